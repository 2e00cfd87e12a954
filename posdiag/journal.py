"""The merchant-journal record format: JSON Lines, one transaction per line.

A terminal serves its merchant journal (ZVT file 01) as bytes; this module is
the pure codec for those bytes (docs/journal.md is the specification):

* ``encode_record`` writes one canonical line (fixed key order, UTF-8, ``\\n``).
* ``JournalParser`` takes arbitrary byte chunks (a record may be split across
  file blocks) and yields records with their byte offsets. It is also the
  sanitiser of a backup: a record is a whitelist of fields, so track data, CVV,
  PIN blocks or an unmasked card number make it raise ``ProtocolError`` and the
  bytes are never written anywhere (PCI DSS 3.3.1 / 3.4.1). Beyond the form of
  each field, no field of a record - whatever its name, text or number - may
  hold a card number in any spelling (``_check_card_numbers``, docs/journal.md).
* ``TurnoverTally`` / ``totals_from_records`` add records up the way a ZVT
  terminal reports its turnover totals (BMP 60, brief §4.4).

No I/O here; bad bytes raise only ``ProtocolError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from posdiag.cards import holds_pan, mask_text
from posdiag.devices import BrandTotal, Totals
from posdiag.errors import ProtocolError
from posdiag.i18n import _

FORMAT_VERSION = 1
MAX_LINE_BYTES = 2048  # a record is ~300 bytes; the bound keeps the parser's memory constant

RECORD_TYPES = ("payment", "refund", "reversal", "decline")

# Key order of a canonical line; "orig_receipt" appears only on reversals that name the original.
_KEYS = ("v", "seq", "receipt", "trace", "orig_receipt", "type", "result", "amount", "currency",
         "card_type", "brand", "pan", "aid", "auth", "time", "tid")
_REQUIRED = frozenset(_KEYS) - {"orig_receipt"}

# Field names that smell of sensitive authentication data get a message of their own.
_SAD_KEY = re.compile(r"track|cvv|cvc|cid|pin|epb|ksn|ksi|discretionary|de52|tag57|9f6b",
                      re.IGNORECASE)

_MASKED_PAN = re.compile(r"[0-9]{0,8}\*+[0-9]{0,4}")
_AID = re.compile(r"[AD][0-9A-F]{9,31}")  # ISO 7816-5: RID starts with A (international) or D
_AUTH = re.compile(r"[0-9A-Z ]{0,8}")
_TID = re.compile(r"[0-9]{8}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
_BRAND = re.compile(r"[A-Za-z0-9 .&/+'-]{1,32}")
# A journal's sequence number never needs more than 12 digits; a 13-19 digit number could be
# a card number in the one field whose form is "any integer".
MAX_SEQ = 999_999_999_999
MAX_BRAND_DIGITS = 4


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One transaction of the merchant journal. Amounts in minor units; PAN always masked."""

    seq: int  # journal sequence number, strictly increasing
    receipt: int  # receipt number (ZVT BMP 87, N4)
    trace: int  # trace number (ZVT BMP 0B, N6)
    type: str  # payment | refund | reversal | decline
    result: int  # ZVT result code (BMP 27); 0 = approved
    amount: int  # minor units, never negative; the type says which way it counts
    currency: int  # ISO 4217 numeric
    time: str  # terminal local time, "YYYY-MM-DDTHH:MM:SS"
    tid: str  # terminal id (BMP 29), 8 digits
    card_type: int | None = None  # ZVT card-type id (BMP 8A / TLV 41)
    brand: str | None = None  # card name for people (BMP 8B)
    pan: str | None = None  # masked: at most first 8 and last 4 digits, "*" between
    aid: str | None = None  # EMV AID, upper-case hex
    auth: str | None = None  # authorisation code (BMP 3B)
    orig_receipt: int | None = None  # reversals: receipt number of the reversed payment
    v: int = FORMAT_VERSION


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """A record with where it sits in the journal byte stream."""

    offset: int  # byte offset of the line's first byte
    raw: bytes  # the line exactly as received, including its "\n"
    record: JournalRecord

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def end(self) -> int:
        return self.offset + len(self.raw)


# --- encoding ------------------------------------------------------------------------------


def encode_record(record: JournalRecord) -> bytes:
    """One canonical journal line: keys in fixed order, compact JSON, UTF-8, ending in \\n."""
    _check_record(record, offset=None)
    fields: dict[str, Any] = {}
    for key in _KEYS:
        value = getattr(record, key)
        if key == "orig_receipt" and value is None:
            continue
        fields[key] = value
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


# --- parsing -------------------------------------------------------------------------------


def parse_record(line: bytes, offset: int = 0) -> JournalRecord:
    """Decode one line (with or without its "\\n"); ProtocolError if it is not a clean record."""
    where = f"journal record at byte {offset}"
    body = line[:-1] if line.endswith(b"\n") else line
    try:
        obj = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_keys,
                         parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ProtocolError(f"The {where} is not valid JSON; the journal is damaged or not "
                            "in posdiag journal format.") from err
    if not isinstance(obj, dict):
        raise ProtocolError(f"The {where} is not a JSON object; the journal is damaged.")
    for key in obj:
        if key not in _KEYS:
            if _SAD_KEY.search(key):
                raise ProtocolError(f"The {where} holds sensitive authentication data (field "
                                    f"{key!r}); it must never be stored, so nothing of it was "
                                    "written.")
            # Masked before it is cut short: cutting first could leave a partial number.
            raise ProtocolError(f"The {where} has an unknown field {mask_text(key)[:40]!r}; "
                                "refusing to copy data that was not checked.")
    missing = sorted(_REQUIRED - obj.keys())
    if missing:
        raise ProtocolError(f"The {where} lacks the field(s) {', '.join(missing)}; the journal "
                            "is damaged.")
    if obj["v"] != FORMAT_VERSION or isinstance(obj["v"], bool):
        version = mask_text(repr(obj["v"]))[:20]
        raise ProtocolError(f"The {where} has format version {version}; this posdiag reads "
                            f"version {FORMAT_VERSION} only.")
    record = JournalRecord(**obj)
    _check_record(record, offset)
    return record


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _check_record(record: JournalRecord, offset: int | None) -> None:
    """Field-by-field whitelist. Raises ProtocolError naming the field, never echoing card data."""
    where = "journal record" if offset is None else f"journal record at byte {offset}"

    def bad(field: str, what: str) -> ProtocolError:
        return ProtocolError(f"The {where} has a bad {field!r} ({what}); the journal is damaged.")

    def need_int(field: str, low: int, high: int, optional: bool = False) -> None:
        value = getattr(record, field)
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise bad(field, f"an integer {low}..{high} is required")

    def need_text(field: str, pattern: re.Pattern[str], optional: bool = False) -> str | None:
        value = getattr(record, field)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise bad(field, "wrong form")
        return value

    pan = record.pan
    if isinstance(pan, str) and pan.isdigit() and len(pan) >= 12:
        # Checked before the form so the message says what is wrong, without the number.
        raise ProtocolError(f"The {where} holds an unmasked card number; a journal with "
                            "full PANs must not be stored (PCI DSS 3.4), so nothing of it "
                            "was written.")
    # Before the forms too: a card number in any field is named as what it is.
    _check_card_numbers(record, where)
    need_int("v", FORMAT_VERSION, FORMAT_VERSION)
    need_int("seq", 1, MAX_SEQ)
    need_int("receipt", 0, 9999)
    need_int("trace", 0, 999_999)
    need_int("orig_receipt", 0, 9999, optional=True)
    need_int("result", 0, 255)
    need_int("amount", 0, 999_999_999_999)  # BMP 04: 6 byte BCD
    need_int("currency", 0, 999)
    need_int("card_type", 0, 0xFFFF, optional=True)
    if record.type not in RECORD_TYPES:
        raise bad("type", f"one of {', '.join(RECORD_TYPES)} is required")
    if (record.type == "decline") != (record.result != 0):
        raise bad("result", "a decline has a non-zero result, every other type zero")
    if record.orig_receipt is not None and record.type != "reversal":
        raise bad("orig_receipt", "only a reversal names an original receipt")
    if pan is not None:
        need_text("pan", _MASKED_PAN)
        assert isinstance(pan, str)
        if not 12 <= len(pan) <= 19 or sum(c.isdigit() for c in pan) > 12:
            raise bad("pan", "a PAN masked to at most first 8 and last 4 digits is required")
    need_text("aid", _AID, optional=True)
    need_text("auth", _AUTH, optional=True)
    need_text("time", _TIME)
    need_text("tid", _TID)
    brand = need_text("brand", _BRAND, optional=True)
    if brand is not None and sum(c.isdigit() for c in brand) > MAX_BRAND_DIGITS:
        # A card name needs no digits; more than a few could, next to the masked PAN's first
        # digits in a table column, spell out a card number.
        raise bad("brand", f"at most {MAX_BRAND_DIGITS} digits: more could carry part of a "
                           "card number")


def _check_card_numbers(record: JournalRecord, where: str) -> None:
    """No field holds a card number, whatever its name (issue 10).

    Every text field is scanned strictly: digits joined by any single character other than a
    letter G-Z count as one run, so grouped ("4761 7390 …", "4761/7390/…"), nibble-padded
    ("A4761…0010F") and nibble-split ("4761E7390E…") spellings are caught, while a time stamp
    stays two short runs ("2026-11-25" and "10:15:00", the T ends a run). Numbers are scanned
    as their decimal text. The message names the field, never the number.
    """
    for field in _KEYS:
        value = getattr(record, field)
        if isinstance(value, bool) or value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if holds_pan(text, strict=True):
            raise ProtocolError(_("The {where} holds a card number in its '{field}' field; a "
                                  "journal with card numbers must not be stored (PCI DSS "
                                  "3.4), so nothing of it was written.")
                                .format(where=where, field=field))


class JournalParser:
    """Streaming parser: feed byte chunks of any size, get complete records back.

    Holds at most one partial line (bounded by MAX_LINE_BYTES), so memory stays
    constant however long the journal is. ``last_seq`` seeds the sequence check
    when a resumed backup continues from the middle of a journal.
    """

    def __init__(self, start_offset: int = 0, last_seq: int | None = None,
                 max_line: int = MAX_LINE_BYTES) -> None:
        self._buffer = bytearray()
        self._buffer_offset = start_offset  # journal offset of _buffer[0]
        self._last_seq = last_seq
        self._max_line = max_line

    @property
    def offset(self) -> int:
        """Journal offset just after the last complete record (a record boundary)."""
        return self._buffer_offset

    @property
    def pending(self) -> bytes:
        """Bytes of a record not yet complete."""
        return bytes(self._buffer)

    @property
    def last_seq(self) -> int | None:
        return self._last_seq

    def feed(self, data: bytes) -> list[ParsedRecord]:
        self._buffer += data
        records: list[ParsedRecord] = []
        start = 0
        while True:
            newline = self._buffer.find(b"\n", start)
            if newline < 0:
                break
            line = bytes(self._buffer[start:newline + 1])
            offset = self._buffer_offset + start
            self._check_length(len(line), offset)
            record = parse_record(line, offset)
            if self._last_seq is not None and record.seq <= self._last_seq:
                raise ProtocolError(f"The journal record at byte {offset} has sequence number "
                                    f"{record.seq} after {self._last_seq}; the journal is out of "
                                    "order or repeats records.")
            self._last_seq = record.seq
            records.append(ParsedRecord(offset, line, record))
            start = newline + 1
        del self._buffer[:start]
        self._buffer_offset += start
        self._check_length(len(self._buffer), self._buffer_offset, partial=True)
        return records

    def finish(self) -> None:
        """Call at the end of the journal: a trailing partial record is an error."""
        if self._buffer:
            raise ProtocolError(f"The journal ends inside a record (byte {self._buffer_offset}); "
                                "it was cut short, read it again.")

    def _check_length(self, length: int, offset: int, partial: bool = False) -> None:
        if length > self._max_line if partial else length > self._max_line + 1:
            raise ProtocolError(f"The journal record at byte {offset} is longer than "
                                f"{self._max_line} bytes; the journal is damaged.")


def iter_records(chunks: Iterable[bytes], start_offset: int = 0,
                 last_seq: int | None = None) -> Iterator[ParsedRecord]:
    """Records of a journal given as byte chunks; checks the journal ends on a record boundary."""
    parser = JournalParser(start_offset, last_seq)
    for chunk in chunks:
        yield from parser.feed(chunk)
    parser.finish()


# --- turnover totals -----------------------------------------------------------------------

# ZVT BMP 60 order (brief §4.4): girocard, JCB, Eurocard/Mastercard, Amex, VISA, Diners, others.
BRAND_ORDER = ("girocard", "JCB", "Mastercard", "Amex", "VISA", "Diners", "others")

# ZVT card-type ids (BMP 8A, brief §7.4) -> BMP 60 bucket. Everything else counts as "others".
_CARD_TYPE_BUCKET = {
    0x05: "girocard",
    0x0E: "JCB",
    0x06: "Mastercard",
    0x08: "Amex",
    0x0A: "VISA", 0x0B: "VISA", 0x0D: "VISA",  # Visa, VISA electron, V PAY
    0x0C: "Diners",
}

# Spellings a terminal or driver may use for the same bucket; compared lower-case.
_BUCKET_ALIASES = {
    "girocard": "girocard", "ec": "girocard", "ec-card": "girocard",
    "jcb": "JCB",
    "mastercard": "Mastercard", "eurocard": "Mastercard", "eurocard/mastercard": "Mastercard",
    "amex": "Amex", "american express": "Amex",
    "visa": "VISA",
    "diners": "Diners", "diners club": "Diners",
    "others": "others", "other": "others", "remaining": "others", "remaining cards": "others",
}


def brand_bucket(card_type: int | None, brand: str | None = None) -> str:
    """The BMP 60 bucket a transaction counts in: by ZVT card-type id, else by card name."""
    if card_type is not None:
        return _CARD_TYPE_BUCKET.get(card_type, "others")
    return normalise_bucket(brand or "")


def normalise_bucket(name: str) -> str:
    """Map a brand name as a terminal reports it onto one of BRAND_ORDER ("others" if unknown)."""
    return _BUCKET_ALIASES.get(name.strip().lower(), "others")


class TurnoverTally:
    """Running count and amount per BMP 60 bucket.

    How each type counts (docs/journal.md): a payment adds one and its amount; a
    refund adds one and subtracts its amount (turnover is net); a reversal
    cancels the payment it voids, so it takes one and its amount off again;
    a decline does not count. Records in another currency are skipped.
    """

    def __init__(self, currency: int | None = None) -> None:
        self.currency = currency
        self.counts = dict.fromkeys(BRAND_ORDER, 0)
        self.amounts = dict.fromkeys(BRAND_ORDER, 0)
        self.receipt_from: int | None = None
        self.receipt_to: int | None = None

    def add(self, record: JournalRecord) -> None:
        if record.type == "decline":
            return
        if self.currency is not None and record.currency != self.currency:
            return
        bucket = brand_bucket(record.card_type, record.brand)
        if record.type == "payment":
            self.counts[bucket] += 1
            self.amounts[bucket] += record.amount
        elif record.type == "refund":
            self.counts[bucket] += 1
            self.amounts[bucket] -= record.amount
        else:  # reversal
            self.counts[bucket] -= 1
            self.amounts[bucket] -= record.amount
        if self.receipt_from is None:
            self.receipt_from = record.receipt
        self.receipt_to = record.receipt

    def merge(self, other: TurnoverTally) -> None:
        for bucket in BRAND_ORDER:
            self.counts[bucket] += other.counts[bucket]
            self.amounts[bucket] += other.amounts[bucket]
        if self.receipt_from is None:
            self.receipt_from = other.receipt_from
        if other.receipt_to is not None:
            self.receipt_to = other.receipt_to

    def to_totals(self) -> Totals:
        brands = tuple(BrandTotal(b, self.counts[b], self.amounts[b]) for b in BRAND_ORDER)
        return Totals(amount=sum(self.amounts.values()), currency=self.currency,
                      receipt_from=self.receipt_from, receipt_to=self.receipt_to, brands=brands)

    def to_json(self) -> dict[str, list[int]]:
        """Compact form for a manifest: bucket -> [count, amount], non-empty buckets only."""
        return {b: [self.counts[b], self.amounts[b]] for b in BRAND_ORDER
                if self.counts[b] or self.amounts[b]}

    @classmethod
    def from_json(cls, data: dict[str, list[int]], currency: int | None = None) -> TurnoverTally:
        tally = cls(currency)
        for bucket, (count, amount) in data.items():
            if bucket not in tally.counts:
                raise ValueError(f"unknown brand bucket {bucket!r}")
            tally.counts[bucket] = int(count)
            tally.amounts[bucket] = int(amount)
        return tally


def totals_from_records(records: Iterable[JournalRecord], currency: int | None) -> Totals:
    """The turnover totals a terminal should report for these journal records (BMP 60 order)."""
    tally = TurnoverTally(currency)
    for record in records:
        tally.add(record)
    return tally.to_totals()
