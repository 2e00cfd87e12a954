"""What a document says, independent of how it is drawn: frozen blocks of already-translated text.

A builder (the test report, the replacement request, the acceptance certificate) turns its
source — records, a case revision — into a ``Document`` while the document's language is
active; the HTML renderer (Jinja2 templates) and the PDF renderer (fpdf2) draw the same
``Document``, so the two forms cannot say different things. Every text a builder puts in is
masked for card numbers here, once, whatever field it came from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from posdiag.cards import mask_text
from posdiag.i18n import _

Tone = Literal["normal", "muted", "ok", "warn", "fail"]
# Outcome badges: the record's code picks the colour, the (translated) word is what is shown.
BADGE_CODES = ("PASS", "FAIL", "ERROR", "SKIPPED", "ABORTED", "RUNNING")


_HEX_DIGEST = re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}")


class Digest(str):
    """A hex digest or ID a builder prints as it is (a SHA-256, a backup set or run ID).

    Not card data whatever digits it holds — yet a 64-digit hex string holds a Luhn-valid run
    of 13 decimal digits about once in two hundred hashes, and masking that run would print a
    wrong reference. Only a whole lower-case hex string of 32 or 64 characters is one (see
    ``digest``); anything else stays text and is masked."""


def digest(value: object) -> str:
    """``value`` as a Digest when it is a whole hex digest or ID, else as plain text."""
    text = "" if value is None else str(value)
    return Digest(text) if _HEX_DIGEST.fullmatch(text) else text


def clean(text: object) -> str:
    """A value as document text: card numbers masked (first 6 / last 4), None as empty; a
    Digest as it is."""
    if text is None:
        return ""
    if isinstance(text, Digest):
        return str(text)
    return mask_text(str(text))


@dataclass(frozen=True, slots=True)
class Badge:
    """An outcome shown as a coloured word; ``code`` is PASS, FAIL … (other codes: grey)."""

    code: str
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean(self.text))

    @property
    def css(self) -> str:
        return self.code.lower() if self.code in BADGE_CODES else "other"


Cell = str | Badge


def _cell(value: Cell) -> Cell:
    return value if isinstance(value, Badge) else clean(value)


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2  # 2 = section, 3 = sub-section (the title is level 1, from the Document)
    anchor: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean(self.text))


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    tone: Tone = "normal"
    boxed: bool = False  # a framed notice (a verified signature, a warning)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean(self.text))


@dataclass(frozen=True, slots=True)
class Facts:
    """Label / value rows (the identity of a terminal, the times of a run)."""

    rows: tuple[tuple[str, Cell], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple((clean(k), _cell(v)) for k, v in self.rows))


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row. ``widths`` are relative column widths (the PDF needs them;
    HTML lets the browser decide within the page width); ``numeric`` columns align right."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()
    numeric: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(clean(h) for h in self.header))
        object.__setattr__(self, "rows", tuple(tuple(_cell(c) for c in row) for row in self.rows))
        if self.widths and len(self.widths) != len(self.header):
            raise ValueError(_("a table needs one width per column"))


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (a receipt as printed): PNG bytes, shown at most ``width_mm`` wide."""

    png: bytes
    caption: str
    width_mm: float = 60.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "caption", clean(self.caption))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


@dataclass(frozen=True, slots=True)
class ReceiptPicture:
    """One printed receipt as the paper looked: a picture (PNG at the printer's 203 dpi,
    shown ``width_mm`` wide: its real size) and the lines it printed. Without a picture (no
    receipt renderer installed) the lines are drawn in a frame in a fixed-width font."""

    caption: str
    lines: tuple[str, ...]
    png: bytes | None = None
    width_mm: float = 48.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "caption", clean(self.caption))
        object.__setattr__(self, "lines", tuple(clean(line) for line in self.lines))


@dataclass(frozen=True, slots=True)
class Receipts:
    """Receipts side by side, as many to a row as fit the page."""

    items: tuple[ReceiptPicture, ...]


@dataclass(frozen=True, slots=True)
class Signatures:
    """Signature and date lines, one pair per role ("Technician", "Merchant")."""

    roles: tuple[str, ...]
    signature_label: str
    date_label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(clean(r) for r in self.roles))


Block = Heading | Paragraph | Facts | Table | Image | Receipts | Signatures


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the document; ``new_page`` starts it on a new printed page."""

    title: str
    blocks: tuple[Block, ...]
    anchor: str = ""
    badge: Badge | None = None
    new_page: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean(self.title))


@dataclass(frozen=True, slots=True)
class Appendix:
    """Raw fields for engineers: collapsed on screen, printed small at the end."""

    title: str
    note: str
    groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (group title, (key, value))

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean(self.title))
        object.__setattr__(self, "note", clean(self.note))
        object.__setattr__(self, "groups", tuple(
            (clean(g), tuple((clean(k), clean(v)) for k, v in rows)) for g, rows in self.groups))


@dataclass(frozen=True, slots=True)
class Stamp:
    """What ties a document to its source; printed as a QR code and kept in the PDF.

    ``reference`` names the source (a case ID, a run ID); ``source_sha256`` is the SHA-256 of
    the bytes it was made from (a signed case revision, the test records)."""

    kind: str  # "test-report", "replacement-request", "acceptance-certificate"
    reference: str
    source_sha256: str
    language: str
    generated: str  # RFC 3339 UTC, the moment the document says it was made
    tool_version: str
    zone: str  # the time zone its times are shown in (IANA name, or "UTC")


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    stamp: Stamp
    header: tuple[tuple[str, str], ...] = ()  # facts shown under the title
    sections: tuple[Section, ...] = ()
    appendix: Appendix | None = None
    footer: str = ""  # printed at the bottom of every PDF page
    qr_caption: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean(self.title))
        object.__setattr__(self, "header", tuple((clean(k), clean(v)) for k, v in self.header))
        object.__setattr__(self, "footer", clean(self.footer))
        object.__setattr__(self, "qr_caption", clean(self.qr_caption))

    def texts(self) -> Iterable[str]:
        """Every text the document shows (for font coverage checks)."""
        yield from (self.title, self.footer, self.qr_caption)
        for key, value in self.header:
            yield from (key, value)
        for section in self.sections:
            yield section.title
            if section.badge:
                yield section.badge.text
            for block in section.blocks:
                yield from _block_texts(block)
        if self.appendix:
            yield from (self.appendix.title, self.appendix.note)
            for group, rows in self.appendix.groups:
                yield group
                for key, value in rows:
                    yield from (key, value)

    def content_sha256(self) -> str:
        """SHA-256 of what the document says (canonical JSON of every block), images by hash."""
        def default(value: object) -> object:
            if isinstance(value, bytes):
                return hashlib.sha256(value).hexdigest()
            raise TypeError(type(value).__name__)

        data = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=default)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _block_texts(block: Block) -> Iterable[str]:
    if isinstance(block, Heading | Paragraph):
        yield block.text
    elif isinstance(block, Facts):
        for key, value in block.rows:
            yield key
            yield value.text if isinstance(value, Badge) else value
    elif isinstance(block, Table):
        yield from block.header
        for row in block.rows:
            yield from (c.text if isinstance(c, Badge) else c for c in row)
    elif isinstance(block, Image):
        yield block.caption
    elif isinstance(block, Receipts):
        for item in block.items:
            yield item.caption
            yield from item.lines
    elif isinstance(block, Signatures):
        yield from (*block.roles, block.signature_label, block.date_label)

