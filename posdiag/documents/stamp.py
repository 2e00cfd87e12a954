"""The stamp that ties a document to its source: QR payload, PDF metadata, verification.

Every document carries ``posdiag:doc?v=1&kind=…&ref=…&sha256=…&lang=…&made=…&tool=…&zone=…``
(docs/documents.md) twice: as a QR code on the page, so an office can match a printed sheet
with the case file, and in the PDF's /Keywords, so a file can be checked without a scanner.

A PDF is checked against its source in two steps: the stamp's SHA-256 must be the source's,
and the PDF must be byte for byte what posdiag renders from that source with the stamp's
language, time and zone (rendering is deterministic). The second step is what tells an
edited PDF from a genuine one; it needs the same posdiag version and fonts, and says so when
the versions differ.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from posdiag.documents.model import Stamp
from posdiag.errors import VerificationError
from posdiag.i18n import _

SCHEME = "posdiag:doc"
VERSION = "1"
_FIELDS = (("kind", "kind"), ("ref", "reference"), ("sha256", "source_sha256"),
           ("lang", "language"), ("made", "generated"), ("tool", "tool_version"),
           ("zone", "zone"))
_KEYWORDS = re.compile(rb"/Keywords\s*\((posdiag:doc\?[A-Za-z0-9%&=._~+\-]*)\)")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload(stamp: Stamp) -> str:
    """The stamp as one ASCII line (percent-encoded, so any reference fits a PDF string)."""
    values = {short: getattr(stamp, name) for short, name in _FIELDS}
    return f"{SCHEME}?{urlencode({'v': VERSION, **values})}"


def parse_payload(text: str) -> Stamp:
    """A stamp from its payload; VerificationError if it is not one posdiag wrote."""
    scheme, sep, query = text.strip().partition("?")
    if scheme != SCHEME or not sep:
        raise VerificationError(_("This is not a posdiag document stamp."))
    fields = {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
    if fields.get("v") != VERSION:
        raise VerificationError(_(
            "The document stamp has version {version}; this posdiag reads version {known}."
        ).format(version=fields.get("v"), known=VERSION))
    missing = [short for short, _name in _FIELDS if short not in fields]
    if missing or not _HEX64.fullmatch(fields.get("sha256", "")):
        raise VerificationError(_("The document stamp is incomplete or damaged."))
    return Stamp(**{name: fields[short] for short, name in _FIELDS})


def read_pdf_stamp(pdf: bytes) -> Stamp:
    """The stamp posdiag wrote into a PDF (the last one, if the file was updated since)."""
    found = _KEYWORDS.findall(pdf)
    if not found:
        raise VerificationError(_(
            "The file carries no posdiag document stamp; it was not made by posdiag or its "
            "metadata was removed."))
    return parse_payload(found[-1].decode("ascii"))


def verify_pdf(pdf: bytes, source: bytes, render: Callable[[Stamp], bytes] | None = None,
               tool_version: str | None = None) -> Stamp:
    """Check a PDF against the bytes it says it was made from; returns its stamp.

    ``render`` re-renders the document from ``source`` as the stamp describes (language, time,
    zone); without it only the source hash is compared. VerificationError says what differs."""
    stamp = read_pdf_stamp(pdf)
    if sha256_hex(source) != stamp.source_sha256:
        raise VerificationError(_(
            "The document was made from other data (SHA-256 {stamped}) than the source given "
            "(SHA-256 {actual}); find the revision it names.").format(
                stamped=stamp.source_sha256, actual=sha256_hex(source)))
    if render is not None and render(stamp) != pdf:
        if tool_version is not None and tool_version != stamp.tool_version:
            raise VerificationError(_(
                "The document differs from what its source renders, and it was made by posdiag "
                "{made_by} (this is {this}); check it with that version.").format(
                    made_by=stamp.tool_version, this=tool_version))
        raise VerificationError(_(
            "The document differs from what its source renders: its pages were changed after "
            "posdiag made them."))
    return stamp
