"""The emulated terminal's books: merchant journal, turnover totals, application log.

The journal is kept as bytes in a temporary file (posdiag journal format, see
docs/journal.md), so a terminal with a gigabyte of journal costs no memory; the
totals are tallied as records are booked, so they always agree with the journal.
A seeded generator fills the journal the same way for the same seed.
"""

from __future__ import annotations

import random
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from posdiag.cards import luhn_check_digit, mask_pan
from posdiag.devices import FILE_APPLICATION_LOG, FILE_MERCHANT_JOURNAL, Totals
from posdiag.journal import JournalRecord, TurnoverTally, encode_record

MAX_REMEMBERED = 10_000  # receipts kept for reversal look-ups; older ones cannot be reversed
APP_LOG_LIMIT = 256 * 1024

# (brand, ZVT card-type id, BIN prefix, PAN length, EMV AID): what a German merchant sees.
SCHEMES = (
    ("girocard", 0x05, "672559", 19, "A0000003591010028001"),
    ("Mastercard", 0x06, "541333", 16, "A0000000041010"),
    ("VISA", 0x0A, "476173", 16, "A0000000031010"),
    ("Maestro", 0x2E, "679999", 19, "A0000000043060"),
    ("Amex", 0x08, "374245", 15, "A00000002501"),
    ("JCB", 0x0E, "353011", 16, "A0000000651010"),
    ("Diners", 0x0C, "361111", 14, "A0000001523010"),
    ("UnionPay", 0xC6, "621094", 16, "A000000333010101"),
)
SCHEME_WEIGHTS = (30, 22, 26, 8, 5, 3, 2, 4)
GENERATED_START = datetime(2026, 11, 24, 7, 30, 0)  # fixed, so journals are reproducible


@dataclass(frozen=True, slots=True)
class Booked:
    """What a reversal needs to know about an earlier payment."""

    receipt: int
    amount: int
    card_type: int | None
    brand: str | None
    pan: str | None
    aid: str | None
    reversed: bool = False


class Ledger:
    def __init__(self, terminal_id: str, currency: int) -> None:
        self.terminal_id = terminal_id
        self.currency = currency
        self._journal = tempfile.TemporaryFile(prefix="posdiag-journal-")  # noqa: SIM115 (lives as long as the ledger)
        self._journal_size = 0
        self._app_log = bytearray()
        self._lock = threading.Lock()
        self.tally = TurnoverTally(currency)
        self.seq = 0
        self.receipt = 0  # last receipt number issued (BMP 87, 4 digits, wraps)
        self.trace = 0  # last trace number (BMP 0B, 6 digits, wraps)
        self.batch = 1
        self.booked: OrderedDict[int, Booked] = OrderedDict()
        self.last_status: bytes | None = None  # data of the last 04 0F, for Repeat Receipt

    # --- numbers -------------------------------------------------------------------------

    def next_numbers(self) -> tuple[int, int]:
        """A new (receipt, trace) pair."""
        with self._lock:
            self.receipt = self.receipt % 9999 + 1
            self.trace = self.trace % 999999 + 1
            return self.receipt, self.trace

    # --- booking -------------------------------------------------------------------------

    def book(self, record: JournalRecord) -> None:
        line = encode_record(record)
        with self._lock:
            self._journal.seek(0, 2)
            self._journal.write(line)
            self._journal_size += len(line)
            self.tally.add(record)
            if record.type == "payment" and record.result == 0:
                self.booked[record.receipt] = Booked(record.receipt, record.amount,
                                                     record.card_type, record.brand, record.pan,
                                                     record.aid)
                while len(self.booked) > MAX_REMEMBERED:
                    self.booked.popitem(last=False)
            original = record.orig_receipt
            if record.type == "reversal" and original is not None and original in self.booked:
                self.booked[original] = replace(self.booked[original], reversed=True)
        self.log(f"{record.time} {record.type} receipt {record.receipt:04d} trace "
                 f"{record.trace:06d} result {record.result:02X}")

    def new_record(self, **fields: object) -> JournalRecord:
        """A record with the next sequence number and this terminal's TID and currency."""
        with self._lock:
            self.seq += 1
            seq = self.seq
        defaults: dict[str, object] = {"tid": self.terminal_id, "currency": self.currency}
        return JournalRecord(seq=seq, **{**defaults, **fields})  # type: ignore[arg-type]

    def log(self, line: str) -> None:
        """Append to the application log (file 02), keeping only its newest part."""
        with self._lock:
            self._app_log += line.encode("ascii", "replace") + b"\n"
            if len(self._app_log) > APP_LOG_LIMIT:
                cut = self._app_log.index(b"\n", len(self._app_log) - APP_LOG_LIMIT) + 1
                del self._app_log[:cut]

    # --- reading -------------------------------------------------------------------------

    def file_size(self, file_id: int) -> int | None:
        if file_id == FILE_MERCHANT_JOURNAL:
            return self._journal_size
        if file_id == FILE_APPLICATION_LOG:
            return len(self._app_log)
        return None

    def read(self, file_id: int, offset: int, size: int) -> bytes:
        with self._lock:
            if file_id == FILE_MERCHANT_JOURNAL:
                self._journal.seek(offset)
                return self._journal.read(size)
            return bytes(self._app_log[offset : offset + size])

    def totals(self) -> Totals:
        with self._lock:
            return self.tally.to_totals()

    # --- end of day ----------------------------------------------------------------------

    def settle(self) -> Totals:
        """End-of-day: return the batch totals, then start a new, empty batch and journal."""
        with self._lock:
            totals = self.tally.to_totals()
            self.tally = TurnoverTally(self.currency)
            self._journal.seek(0)
            self._journal.truncate()
            self._journal_size = 0
            self.booked.clear()
            self.batch += 1
        self.log(f"end-of-day: batch closed, {totals.count} transactions, {totals.amount} total")
        return totals

    def close(self) -> None:
        self._journal.close()

    # --- the seeded journal --------------------------------------------------------------

    def generate(self, count: int, seed: int) -> None:
        """Book count transactions, the same ones for the same seed and terminal."""
        rng = random.Random(f"journal:{seed}")
        when = GENERATED_START
        for _ in range(count):
            when += timedelta(seconds=rng.randint(20, 900))
            kind = rng.choices(("payment", "decline", "refund", "reversal"), (86, 6, 4, 4))[0]
            if kind == "reversal" and not self._reversible():
                kind = "payment"
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
            receipt, trace = self.next_numbers()
            if kind == "reversal":
                original = self._pick_reversible(rng)
                self.book(self.new_record(
                    receipt=receipt, trace=trace, type="reversal", result=0,
                    amount=original.amount, time=stamp, card_type=original.card_type,
                    brand=original.brand, pan=original.pan, aid=original.aid,
                    auth=f"{rng.randint(0, 999999):06d}", orig_receipt=original.receipt,
                ))
                continue
            brand, card_type, prefix, length, aid = rng.choices(SCHEMES, SCHEME_WEIGHTS)[0]
            amount = rng.choice((rng.randint(50, 2500), rng.randint(100, 25000)))
            self.book(self.new_record(
                receipt=receipt, trace=trace, type=kind, result=0x05 if kind == "decline" else 0,
                amount=amount, time=stamp, card_type=card_type, brand=brand,
                pan=mask_pan(_random_pan(rng, prefix, length)), aid=aid,
                auth="" if kind == "decline" else f"{rng.randint(0, 999999):06d}",
            ))

    def _reversible(self) -> bool:
        return any(not b.reversed for b in self.booked.values())

    def _pick_reversible(self, rng: random.Random) -> Booked:
        candidates = [b for b in list(self.booked.values())[-50:] if not b.reversed]
        if not candidates:
            candidates = [b for b in self.booked.values() if not b.reversed]
        return rng.choice(candidates)


def _random_pan(rng: random.Random, prefix: str, length: int) -> str:
    """A Luhn-valid PAN with this prefix; only its mask ever leaves this function."""
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return body + luhn_check_digit(body)
