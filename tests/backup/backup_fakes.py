"""Test doubles for the backup storage logic: an in-memory terminal and a fault-injecting medium.

FakeTerminal is NOT the terminal emulator: it only serves journal bytes by offset
and fixed totals, so storage, resume and verification can be tested alone. The
card numbers below are masked test PANs (test material, not real cards).
"""

from __future__ import annotations

import errno
import random
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.writer import Medium
from posdiag.devices import FILE_APPLICATION_LOG, FileBlock, TerminalIdentity, Totals
from posdiag.errors import LinkClosed
from posdiag.journal import JournalRecord, encode_record, totals_from_records

# (card_type, brand, masked test PAN, AID) - masked forms of published test card numbers.
TEST_CARDS = [
    (0x05, "girocard", "672559******0003", "A0000003591010"),
    (0x0A, "VISA", "476173******0010", "A0000000031010"),
    (0x06, "Mastercard", "541333******0011", "A0000000041010"),
    (0x08, "Amex", "374245*****0001", "A000000025010801"),
    (0x0E, "JCB", "353011******0000", "A0000000651010"),
    (0x0C, "Diners", "360569****0004", "A0000001523010"),
    (0x2E, "Maestro", "675940******0002", "A0000000043060"),
]


def make_records(count: int, seed: int = 1, currency: int = 978) -> list[JournalRecord]:
    rng = random.Random(seed)
    records: list[JournalRecord] = []
    payments: list[JournalRecord] = []
    for seq in range(1, count + 1):
        card_type, brand, pan, aid = rng.choice(TEST_CARDS)
        kind = rng.choices(["payment", "refund", "reversal", "decline"], [80, 5, 5, 10])[0]
        amount = rng.randint(1, 50_000)
        orig = None
        if kind == "reversal":
            if not payments:
                kind = "payment"
            else:
                original = payments.pop(rng.randrange(len(payments)))
                card_type, brand, pan, aid = (original.card_type, original.brand, original.pan,
                                              original.aid)
                amount, orig = original.amount, original.receipt
        record = JournalRecord(
            seq=seq, receipt=seq % 10_000, trace=seq % 1_000_000, type=kind,
            result=0 if kind != "decline" else 0x05, amount=amount, currency=currency,
            time=f"2026-11-25T{10 + seq // 3600 % 10:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}",
            tid="52500001", card_type=card_type, brand=brand, pan=pan, aid=aid,
            auth=f"{rng.randint(0, 999_999):06d}" if kind != "decline" else None,
            orig_receipt=orig)
        if kind == "payment":
            payments.append(record)
        records.append(record)
    return records


def make_journal(count: int, seed: int = 1) -> tuple[bytes, list[JournalRecord]]:
    records = make_records(count, seed)
    return b"".join(encode_record(r) for r in records), records


class FakeTerminal:
    """Serves a journal by offset in fixed-size blocks; can drop the link after N blocks."""

    def __init__(self, journal: bytes, records: list[JournalRecord] | None = None, *,
                 block_size: int = 1000, fail_after_blocks: int | None = None,
                 totals: Totals | None = None, serial: str = "TEST-0001") -> None:
        self.journal = journal
        self.block_size = block_size
        self.fail_after_blocks = fail_after_blocks
        self._totals = totals if totals is not None else totals_from_records(records or [], 978)
        self.serial = serial
        self.blocks_served = 0
        self.log = b"2026-11-25T10:00:00 fake terminal log (test material)\n"

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def identify(self) -> TerminalIdentity:
        return TerminalIdentity(device_name="FakeTerminal", serial_number=self.serial,
                                terminal_id="52500001", currency=978)

    def totals(self) -> Totals:
        return self._totals

    def read_file(self, file_id: int, offset: int = 0) -> Iterator[FileBlock]:
        if file_id == FILE_APPLICATION_LOG:  # a short log, not counted as journal blocks
            yield FileBlock(file_id, 0, self.log, len(self.log))
            return
        size = len(self.journal)
        served = 0
        while offset < size:
            if self.fail_after_blocks is not None and served >= self.fail_after_blocks:
                raise LinkClosed("The terminal closed the link (test: cable pulled).")
            data = self.journal[offset:offset + self.block_size]
            yield FileBlock(file_id, offset, data, size)
            served += 1
            self.blocks_served += 1
            offset += len(data)


class _FaultyFile:
    """A file whose writes raise an OSError once ``budget`` bytes have gone through."""

    def __init__(self, file: BinaryIO, medium: FaultyMedium) -> None:
        self._file, self._medium = file, medium

    def write(self, data: bytes) -> int:
        self._medium.check("write", len(data))
        return self._file.write(data)

    def __getattr__(self, name: str):
        return getattr(self._file, name)

    def __enter__(self) -> _FaultyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


class FaultyMedium(Medium):
    """Raises OSError(code) at the chosen step: 'write' after N bytes, 'fsync', 'create', 'read'.

    ``after`` counts bytes for 'write' and calls for the others; the fault fires once.
    """

    def __init__(self, step: str, code: int = errno.EIO, after: int = 0,
                 free: int | None = None) -> None:
        self.step, self.code, self.after = step, code, after
        self.fired = False
        self.free = free
        self._count = 0

    def check(self, step: str, amount: int = 1) -> None:
        if self.fired or step != self.step:
            return
        self._count += amount
        if self._count > self.after:
            self.fired = True
            raise OSError(self.code, f"test fault ({errno.errorcode[self.code]})")

    def create(self, path: Path) -> BinaryIO:
        self.check("create")
        return _FaultyFile(super().create(path), self)  # type: ignore[return-value]

    def open_read(self, path: Path) -> BinaryIO:
        self.check("read")
        return super().open_read(path)

    def sync_file(self, file: BinaryIO) -> None:
        self.check("fsync")
        super().sync_file(file)

    def free_bytes(self, path: Path) -> int:
        return self.free if self.free is not None else super().free_bytes(path)
