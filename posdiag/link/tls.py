"""ZVT over TLS: the TCP link, inside TLS (PA00P015 §1.3; Feig and TeleCash terminals listen
on port 22001 beside the plain 22000).

    tls://HOST[:PORT][?ca=FILE][&fingerprint=SHA256][&cert=FILE][&key=FILE][&servername=NAME]

The terminal's certificate is checked one of three ways:

* ``ca=FILE``: it must chain to a CA in FILE and name the host (or ``servername``);
* ``fingerprint=…``: its SHA-256 (hex, colons optional) must be this one — a pinned
  self-signed certificate, as terminals often have; no chain is checked;
* neither: the system's CAs and the host name, as a browser would.

Both ``ca`` and ``fingerprint`` together require both. ``cert`` (and ``key``, if the key is
not in the same file) is the ECR's own certificate for terminals that ask for one. A rejected
certificate is one sentence that also shows the fingerprint it had, so a technician who has
checked it on the terminal's display can pin it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from posdiag.errors import BadInput, CertificateRejected, LinkError, LinkTimeout, PortNotFound
from posdiag.i18n import _
from posdiag.link.tcp import TcpLink

ZVT_TLS_PORT = 22001
OPTIONS = ("ca", "fingerprint", "cert", "key", "servername")


@dataclass(frozen=True, slots=True)
class TlsOptions:
    ca: str | None = None
    fingerprint: str | None = None  # lower-case hex, no colons
    cert: str | None = None
    key: str | None = None
    servername: str | None = None

    @classmethod
    def parse(cls, options: dict[str, str]) -> TlsOptions:
        """From the query of a tls:// PORT; BadInput for what is unknown or malformed."""
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise BadInput(_("unknown tls:// option(s) {names}; known: {known}.").format(
                names=", ".join(unknown), known=", ".join(OPTIONS)))
        pin = options.get("fingerprint")
        if pin is not None:
            pin = pin.lower().replace(":", "").removeprefix("sha256")
            if len(pin) != 64 or any(c not in "0123456789abcdef" for c in pin):
                raise BadInput(_("fingerprint must be the certificate's SHA-256 as 64 hex "
                                 "digits (colons allowed)."))
        if options.get("key") and not options.get("cert"):
            raise BadInput(_("tls:// key= needs cert= (the ECR's certificate) beside it."))
        return cls(options.get("ca"), pin, options.get("cert"), options.get("key"),
                   options.get("servername"))


def fingerprint(der: bytes) -> str:
    """The SHA-256 of a DER certificate as colon-separated upper-case hex."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def client_context(options: TlsOptions) -> ssl.SSLContext:
    """The ECR's TLS settings for these options (TLS 1.2 or later)."""
    if options.ca is not None:
        context = ssl.create_default_context(cafile=_existing(options.ca, "ca"))
    elif options.fingerprint is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the pin below is the check
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if options.cert is not None:
        certfile = _existing(options.cert, "cert")
        keyfile = _existing(options.key, "key") if options.key else None
        try:
            context.load_cert_chain(certfile, keyfile)
        except (ssl.SSLError, OSError) as err:
            raise BadInput(_("cannot use the ECR certificate {cert} ({error}); give a PEM "
                             "certificate and its key.").format(cert=certfile, error=err)) \
                from err
    return context


def open_tls(host: str, port: int, options: TlsOptions,
             connect_timeout: float = 5.0) -> TcpLink:
    """Connect, handshake and check the terminal's certificate; a TcpLink over TLS."""
    context = client_context(options)
    where = f"tls://{host}:{port}"
    try:
        raw = socket.create_connection((host, port), timeout=connect_timeout)
    except ConnectionRefusedError as err:
        raise PortNotFound(_("nothing listens on {host}:{port} (connection refused); check the "
                             "terminal's IP address and its TLS port.").format(host=host,
                                                                               port=port)) \
            from err
    except TimeoutError as err:
        raise LinkTimeout(_("{host}:{port} did not answer within {seconds:g} s; check the "
                            "network and the terminal's IP address.").format(
                                host=host, port=port, seconds=connect_timeout)) from err
    except OSError as err:
        raise LinkError(_("cannot connect to {host}:{port}: {error}.").format(
            host=host, port=port, error=err.strerror or err)) from err
    try:
        sock = context.wrap_socket(raw, server_hostname=options.servername or host)
    except ssl.SSLCertVerificationError as err:
        raw.close()
        shown = _peer_fingerprint(host, port, options.servername or host, connect_timeout)
        raise CertificateRejected(_(
            "the terminal at {where} showed a certificate that is not trusted ({reason}; its "
            "SHA-256 is {fingerprint}); give ?ca=FILE, or ?fingerprint= after checking it on "
            "the terminal.").format(where=where, reason=err.verify_message,
                                    fingerprint=shown)) from err
    except (ssl.SSLError, OSError) as err:
        raw.close()
        raise LinkError(_("the TLS handshake with {where} failed ({error}); check that this is "
                          "the terminal's TLS port and that it accepts this ECR.").format(
                              where=where, error=getattr(err, "reason", None) or err)) from err
    der = sock.getpeercert(binary_form=True) or b""
    if options.fingerprint is not None and not hmac.compare_digest(
            hashlib.sha256(der).hexdigest(), options.fingerprint):
        with contextlib.suppress(OSError):
            sock.close()
        raise CertificateRejected(_(
            "the terminal at {where} showed a certificate with SHA-256 {fingerprint}, not the "
            "pinned one; if the terminal was replaced, check its certificate and pin the new "
            "one.").format(where=where, fingerprint=fingerprint(der)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return TcpLink(sock, where)


def _existing(path: str, what: str) -> str:
    if not Path(path).is_file():
        raise BadInput(_("the tls:// {what} file {path} does not exist.").format(what=what,
                                                                              path=path))
    return path


def _peer_fingerprint(host: str, port: int, servername: str, timeout: float) -> str:
    """The fingerprint of the certificate a server shows, fetched without trusting it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=servername) as sock:
            return fingerprint(sock.getpeercert(binary_form=True) or b"")
    except (ssl.SSLError, OSError):
        return "unknown"
