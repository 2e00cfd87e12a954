"""TEST MATERIAL for the emulated terminal's TLS port: a throw-away CA, a server certificate
for the emulator and a client certificate for an ECR, made fresh on demand.

Nothing here may secure a real terminal: the keys are written unencrypted to a folder the
caller chose (a temporary one by default), every certificate says TEST MATERIAL in its name,
and they are valid for a few days only.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LABEL = "posdiag TEST MATERIAL, not for production"
VALID_DAYS = 7
HEADER = (b"# posdiag TEST MATERIAL: generated for the emulated terminal's TLS port; never "
          b"use it on a real terminal.\n")


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    directory: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @property
    def server_fingerprint(self) -> str:
        """The SHA-256 of the server certificate, as tls://…?fingerprint= takes it."""
        from posdiag.link.tls import fingerprint

        der = x509.load_pem_x509_certificate(self.server_cert.read_bytes()).public_bytes(
            serialization.Encoding.DER)
        return fingerprint(der)


def generate(directory: Path, *, hostnames: tuple[str, ...] = ("localhost",),
             addresses: tuple[str, ...] = ("127.0.0.1", "::1")) -> TlsMaterial:
    """Write a test CA, a server certificate for hostnames/addresses and a client
    certificate (both signed by the CA) into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{LABEL} - CA")
    ca = (_builder(ca_name, ca_name, ca_key.public_key(), now)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (_builder(_name(f"{LABEL} - emulated terminal"), ca_name, server_key.public_key(),
                       now)
              .add_extension(x509.SubjectAlternativeName(names), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = (_builder(_name(f"{LABEL} - ECR"), ca_name, client_key.public_key(), now)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    material = TlsMaterial(directory, directory / "test-ca.pem",
                           directory / "test-terminal.pem", directory / "test-terminal.key",
                           directory / "test-ecr.pem", directory / "test-ecr.key")
    _write(material.ca_cert, _cert_pem(ca))
    _write(material.server_cert, _cert_pem(server))
    _write(material.server_key, _key_pem(server_key))
    _write(material.client_cert, _cert_pem(client))
    _write(material.client_key, _key_pem(client_key))
    return material


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey,
             now: datetime.datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS)))


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, pem: bytes) -> None:
    path.write_bytes(HEADER + pem)
    if path.suffix == ".key":
        path.chmod(0o600)
