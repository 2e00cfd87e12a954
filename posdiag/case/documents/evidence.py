"""What the certificate shows beside the case: the test record of the acceptance run, checked.

The case names the record by path, SHA-256 and the kit key that signed it; here the file is
read, its hash compared with the case's, its minisign signature verified, and the receipts it
recorded (the text each printed receipt carried, card numbers masked) drawn as pictures with
the ESC/POS receipt renderer, at the printer's 203 dpi. Without that renderer (the ``png``
extra) a receipt is shown as its lines instead. A record that is missing, changed or not
signed is not hidden: the certificate says so and does not conclude that the terminal works.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posdiag.case.model import Case, RecordRef
from posdiag.case.store import resolve
from posdiag.errors import PosdiagError
from posdiag.i18n import _

MAX_RECEIPT_LINES = 60  # a receipt longer than this is cut, with a line saying how much
# Printed width at 203 dpi (8 dots per mm): 58 mm paper prints 48 mm (384 dots, 32 characters
# of font A), 80 mm paper 72 mm (576 dots, 48 characters). A receipt is drawn on the narrow roll
# of most terminals unless one of its lines needs the wide one.
NARROW_DOTS, WIDE_DOTS = 384, 576
CHARACTER_DOTS = 12
DOTS_PER_MM = 8.0
MAX_RECORD_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class RecordCheck:
    """The acceptance run's record as found next to the case."""

    ref: RecordRef
    record: Mapping[str, Any] | None  # None: missing or unreadable
    hash_ok: bool  # the file's SHA-256 is the one the case holds
    signature_ok: bool
    detail: str  # the signature's trusted comment, or why the record cannot be trusted


@dataclass(frozen=True, slots=True)
class PrintedReceipt:
    step: Mapping[str, Any]  # the step of the record that printed it
    kind: str  # merchant, customer, unknown …
    source: str  # ecr, terminal-printer
    lines: tuple[str, ...]
    png: bytes | None
    width_mm: float = NARROW_DOTS / DOTS_PER_MM


@dataclass(frozen=True, slots=True)
class Evidence:
    record: RecordCheck | None  # the newest replacement's record
    receipts: tuple[PrintedReceipt, ...] = ()


def gather_evidence(case_dir: Path, case: Case) -> Evidence:
    replacement = case.replacement
    if replacement is None:
        return Evidence(None)
    check = check_record(case_dir, replacement.record)
    receipts = tuple(receipts_of(check.record)) if check.record is not None else ()
    return Evidence(check, receipts)


def check_record(case_dir: Path, ref: RecordRef) -> RecordCheck:
    from posdiag.plan.record import verify_record

    path = resolve(case_dir, ref.file)
    try:
        with open(path, "rb") as source:
            data = source.read(MAX_RECORD_BYTES + 1)
    except OSError as err:
        return RecordCheck(ref, None, False, False, _("the record {file} cannot be read ({error})")
                           .format(file=ref.file, error=err.strerror or err))
    hash_ok = hashlib.sha256(data).hexdigest() == ref.sha256
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        record = None
    if not isinstance(record, dict):
        return RecordCheck(ref, None, hash_ok, False, _("the record {file} is not a test record")
                           .format(file=ref.file))
    if not hash_ok:
        return RecordCheck(ref, record, False, False, _(
            "the record {file} is not the one the case holds (its SHA-256 differs)").format(
                file=ref.file))
    try:
        comment = verify_record(path, ref.kit_key or None)
    except PosdiagError as err:
        return RecordCheck(ref, record, True, False, str(err))
    return RecordCheck(ref, record, True, True, comment)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def last_data(step: Mapping[str, Any]) -> Mapping[str, Any]:
    attempts = _sequence(step.get("attempts"))
    return _mapping(_mapping(attempts[-1]).get("data")) if attempts else {}


def receipts_of(record: Mapping[str, Any]) -> list[PrintedReceipt]:
    """Every receipt the record holds, in the order the steps printed them."""
    found = []
    for item in _sequence(record.get("steps")):
        step = _mapping(item)
        for printed in _sequence(last_data(step).get("printed_receipts")):
            receipt = _mapping(printed)
            lines = [str(line) for line in _sequence(receipt.get("lines"))]
            if len(lines) > MAX_RECEIPT_LINES:
                more = len(lines) - MAX_RECEIPT_LINES
                lines = [*lines[:MAX_RECEIPT_LINES], _("… {count} more lines").format(count=more)]
            dots = paper_dots(lines)
            found.append(PrintedReceipt(step, str(receipt.get("kind") or "unknown"),
                                        str(receipt.get("source") or ""), tuple(lines),
                                        receipt_png(lines, dots), dots / DOTS_PER_MM))
    return found


def paper_dots(lines: Sequence[str]) -> int:
    from posdiag.i18n_width import display_width

    widest = max((display_width(line) for line in lines), default=0)
    return NARROW_DOTS if widest * CHARACTER_DOTS <= NARROW_DOTS else WIDE_DOTS


def receipt_png(lines: Sequence[str], dots: int = NARROW_DOTS) -> bytes | None:
    """The receipt as a picture (None without the png extra). Card numbers are masked first:
    the record keeps them masked, and a picture is not checked by any text scan."""
    from posdiag.cards import mask_text
    from posdiag.drivers.escpos.render_png import png_available, render_png

    if not png_available():
        return None
    from posdiag.drivers.escpos.model import Cut, Receipt, Span, TextLine

    receipt = Receipt(elements=tuple(TextLine((Span(mask_text(line)),)) for line in lines),
                      cut=Cut())
    with tempfile.TemporaryDirectory(prefix="posdiag-receipt-") as folder:
        target = Path(folder) / "receipt.png"
        render_png(receipt, target, width=dots)
        return target.read_bytes()
