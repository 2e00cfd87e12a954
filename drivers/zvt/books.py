"""The terminal's books, ECR side: Read File (journal, logs), totals, end-of-day,
receipt reprints, clock and initialisation. A mixin of ZvtTerminal.

Read File streams: every block is yielded as its 04 0F arrives, nothing is kept,
so a gigabyte of journal costs no memory. A broken dialog (frames lost to line
noise, a terminal that gave up) is resumed from the last byte received, with
smaller blocks, until it stops making progress.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from posdiag.devices import FileBlock, Totals
from posdiag.drivers.zvt import messages_ecr as cmd
from posdiag.drivers.zvt.dialog import STATUS_INFORMATION, Dialog, End
from posdiag.drivers.zvt.messages_pt import AbortFromTerminal, StatusInformation
from posdiag.drivers.zvt.transport import SerialTransport
from posdiag.errors import (
    LinkTimeout,
    ProtocolError,
    TerminalRefused,
    TransmissionError,
    UsageError,
)
from posdiag.i18n import _
from posdiag.link.base import Deadline

if TYPE_CHECKING:
    from posdiag.drivers.zvt.terminal import ZvtTerminal

log = logging.getLogger(__name__)

MIN_APDU = 96  # smallest block size the reader falls back to on a noisy line
READ_ATTEMPTS = 8  # consecutive failed attempts (no byte gained) before giving up


class BookCommands:
    """Mixed into ZvtTerminal; uses its run(), transport, password and timers."""

    max_apdu: int

    def read_file(self: ZvtTerminal, file_id: int, offset: int = 0) -> Iterator[FileBlock]:
        """Blocks of a terminal file from offset to its end, in order (Read File 08 11)."""
        position = offset
        failures = 0
        self.ready()
        self.use_fastest_rate()  # a journal is long: fetch it at the fastest rate the PT takes
        while True:
            try:
                self.ready()
                self.ensure_registered()
                request = cmd.ReadFile.create(file_id, position)
                # Blocks follow each other at once: silence longer than a PT needs to give up
                # (three sends, then T3) means the dialog is dead, not slow.
                dialog = Dialog(self.transport, request.to_apdu(), t3=self.t3,
                                t4=min(self.t4, self.give_up_time()), stop=self.interrupt)
                for message in dialog:
                    if message.command != STATUS_INFORMATION:
                        continue
                    for block in StatusInformation.from_apdu(message).file_blocks():
                        block = _continuing(block, file_id, position)
                        if block is None:
                            continue
                        position += len(block.data)
                        failures = 0
                        yield block
                if dialog.final is not None and dialog.final.command == AbortFromTerminal.COMMAND:
                    abort = AbortFromTerminal.from_apdu(dialog.final)
                    raise TerminalRefused(
                        _("the terminal refused to read file {file_id:02X}: {value}.").format(
                            file_id=file_id,
                            value=abort.error_text or f'result code {abort.result_code:02X}'),
                        result_code=abort.result_code,
                    )
                return
            except (TransmissionError, LinkTimeout, ProtocolError) as err:
                failures += 1
                if failures >= READ_ATTEMPTS:
                    raise
                log.info("read of file %02X broke at byte %d (%s); resuming", file_id, position,
                         err)
                self.resynchronise()
                self.recover_line()  # the terminal may have restarted at its old rate
                self.max_apdu = max(MIN_APDU, self.max_apdu // 4)
                self.registered = False  # re-register to announce the smaller blocks

    def give_up_time(self: ZvtTerminal) -> float:
        """How long a PT keeps a dialog alive without hearing from us (3 x T2 + T3)."""
        t2 = self.transport.t2 if isinstance(self.transport, SerialTransport) else 0.0
        return 3 * t2 + self.t3

    def resynchronise(self: ZvtTerminal) -> None:
        """Wait, answering nothing, until the terminal has given up its dialog.

        A PT abandons a dialog after three unacknowledged sends (3 x T2) or after
        T3 without an answer; only then will it listen to a new command."""
        transport = self.transport
        if not isinstance(transport, SerialTransport):
            return
        deadline = Deadline(self.give_up_time())
        while not deadline.expired:
            if transport.link.read(4096, min(deadline.remaining(), 0.1) or 0.001):
                deadline.restart()  # it is still talking: wait for the silence
        transport.reset()

    def totals(self: ZvtTerminal) -> Totals:
        """Send Turnover Totals 06 10: the running batch, without closing it."""
        self.ensure_registered()
        result = self.run(cmd.TurnoverTotals.create(self.password))
        return _totals_of(result.of(0x04, 0x0F))

    def merchant_id(self: ZvtTerminal) -> str | None:
        """The VU (merchant contract) number, which terminals send with their totals (BMP 2A)."""
        self.ensure_registered()
        result = self.run(cmd.TurnoverTotals.create(self.password))
        for message in result.of(0x04, 0x0F):
            value = StatusInformation.from_apdu(message).value(0x2A)
            if value:
                return str(value).strip()
        return None

    def end_of_day(self: ZvtTerminal, *, confirm: bool = False) -> Totals:
        """End-of-Day 06 50: settles and CLOSES the batch; the journal starts anew.

        Refused unless confirm=True, so that nothing clears a journal by accident."""
        if not confirm:
            raise UsageError(_("end-of-day closes the terminal's batch; it runs only "
                               "when asked for explicitly (confirm=True / "
                               "--end-of-day)."))
        self.ensure_registered()
        result = self.run(cmd.EndOfDay.create(self.password))
        return _totals_of(result.of(0x04, 0x0F))

    def repeat_receipt(
        self: ZvtTerminal, *, resend_status: bool = False
    ) -> StatusInformation | None:
        self.ensure_registered()
        service = 0x01 if resend_status else None
        result = self.run(cmd.RepeatReceipt.with_service(self.password, service))
        infos = result.of(0x04, 0x0F)
        return StatusInformation.from_apdu(infos[-1]) if infos else None

    def print_turnover_receipts(self: ZvtTerminal) -> None:
        self.ensure_registered()
        self.run(cmd.PrintTurnoverReceipts(password=self.password))

    def set_date_time(self: ZvtTerminal, when: datetime) -> None:
        self.ensure_registered()
        self.run(cmd.SetDateTime.at(self.password, when))

    def initialise(self: ZvtTerminal) -> None:
        self.ensure_registered()
        self.run(cmd.Initialisation.create(self.password), end=End.COMPLETION)


def _continuing(block: FileBlock, file_id: int, position: int) -> FileBlock | None:
    """The part of block that continues the file at position; None if already had."""
    if block.file_id != file_id:
        return None
    end = block.offset + len(block.data)
    if block.offset > position:
        raise ProtocolError(_("the terminal skipped bytes {position}..{offset} of "
                              "file {file_id:02X}").format(
                                position=position, offset=block.offset, file_id=file_id))
    if end <= position:
        return None  # a repeat of what we have
    if block.offset < position:
        cut = position - block.offset
        return FileBlock(file_id, position, block.data[cut:], block.file_size)
    return block


def _totals_of(messages: list) -> Totals:  # type: ignore[type-arg]
    for message in messages:
        totals = StatusInformation.from_apdu(message).totals()
        if totals is not None:
            return totals
    raise ProtocolError(_("the terminal sent no totals (no BMP 04 in its status information)"))
