"""The journal as it arrives: Read File blocks in, checked records out, one at a time.

Every record is parsed (the sanitiser: no track data, CVV, PIN data or full PAN
passes) before anything is encrypted. The pump pulls a block only when the
records of the last one are used up, so at most one block and one partial record
are ever in flight beyond what the writer holds.

A resumed read starts one byte early: the committed part ends with a record's
``\\n``, so that byte proves the terminal's journal still reaches that far.

How a read ends, other than at the end of the journal:
* a dropped link (``DeviceError``) stops the stream; ``interrupted`` holds it, so
  the caller can commit what arrived and then raise it;
* Ctrl-C or SIGTERM (``KeyboardInterrupt``, or ``Interrupted`` from a driver that
  already told the terminal to abort) likewise, in ``stopped``;
* a protocol or sanitiser violation (``ProtocolError``) propagates at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from posdiag.devices import FILE_MERCHANT_JOURNAL, FileBlock
from posdiag.errors import DeviceError, Interrupted, ProtocolError, UsageError
from posdiag.i18n import _
from posdiag.journal import JournalParser, ParsedRecord


def _shrank(offset: int, committed: int) -> UsageError:
    """The terminal's journal no longer reaches the committed offset (cleared or replaced)."""
    return UsageError(_("The terminal's journal no longer matches this set at byte {offset} (the "
                        "set holds {committed} bytes); it was cleared or this is another "
                        "terminal: back it up into a new folder.").format(offset=offset,
                                                                         committed=committed))


class JournalPump:
    def __init__(self, blocks: Iterator[FileBlock], start: int, last_seq: int | None,
                 on_block: Callable[[int, int | None], None]) -> None:
        self._blocks = blocks
        self._start = start
        self.parser = JournalParser(start, last_seq)
        self._overlap = start > 0
        self._next_offset = start - 1 if self._overlap else start
        self._queue: deque[ParsedRecord] = deque()
        self._on_block = on_block
        self.reported_size: int | None = None
        self.received = start  # journal bytes handed over by the terminal, overlap excluded
        self.exhausted = False
        self.interrupted: DeviceError | None = None
        self.stopped: BaseException | None = None  # KeyboardInterrupt or Interrupted

    @property
    def queued(self) -> int:
        return len(self._queue)

    def prime(self) -> None:
        """Read up to the first block, so the journal's size is known before anything is
        written (the free-space check); stops early like next_record would."""
        while self.reported_size is None and not self.exhausted and not self._queue:
            if not self._pull():
                return

    def next_record(self) -> ParsedRecord | None:
        while not self._queue:
            if self.exhausted or not self._pull():
                return None
        return self._queue.popleft()

    def _pull(self) -> bool:
        """One more block into the queue; False when the stream has ended (for any reason)."""
        try:
            block = next(self._blocks)
        except StopIteration:
            self.exhausted = True
            if self._overlap:
                raise _shrank(self._next_offset, self._start) from None
            self.parser.finish()
            return False
        except ProtocolError:
            raise
        except DeviceError as err:
            # Keep what is complete: the caller commits it, then re-raises.
            self.exhausted, self.interrupted = True, err
            return False
        except (KeyboardInterrupt, Interrupted) as err:
            self.exhausted, self.stopped = True, err
            return False
        if block.file_id != FILE_MERCHANT_JOURNAL or block.offset != self._next_offset:
            raise ProtocolError(_("The terminal sent journal bytes at offset {got} where "
                                  "{expected} was expected; retry the backup.").format(
                got=block.offset, expected=self._next_offset))
        self._next_offset += len(block.data)
        self.reported_size = block.file_size
        data = block.data
        if self._overlap and data:
            if data[:1] != b"\n":
                raise _shrank(self._next_offset - len(data), self._start)
            self._overlap, data = False, data[1:]
        self.received += len(data)
        self._queue.extend(self.parser.feed(data))
        self._on_block(self._next_offset, block.file_size)
        return True
