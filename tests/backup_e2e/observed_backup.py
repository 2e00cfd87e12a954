"""`posdiag backup` in a child process, reporting every journal block it receives.

Run as ``python observed_backup.py FD backup --port … --to …``: the real command against
the real emulated terminal, with one observation added: before the driver's Read File hands
a journal block (file 01) to the backup, ``OFFSET LENGTH`` is written to file descriptor FD.
The test that kills this process at random moments reads those lines to know how much of
the journal the dead run had received, and so how much the resumed run reads again.
Nothing is replaced: the terminal, the driver and the backup are the ones a user runs.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from posdiag import terminals
from posdiag.cli import main
from posdiag.devices import FILE_MERCHANT_JOURNAL


def observe(fd: int) -> None:
    opened = terminals.open_terminal

    @contextlib.contextmanager
    def open_observed(port: Any, **options: Any) -> Iterator[Any]:
        with opened(port, **options) as terminal:
            read_file = terminal.read_file

            def read_observed(file_id: int, offset: int = 0) -> Iterator[Any]:
                for block in read_file(file_id, offset):
                    if file_id == FILE_MERCHANT_JOURNAL:
                        os.write(fd, f"{block.offset} {len(block.data)}\n".encode())
                    yield block

            terminal.read_file = read_observed
            yield terminal

    terminals.open_terminal = open_observed  # type: ignore[assignment]


if __name__ == "__main__":
    observe(int(sys.argv[1]))
    main(sys.argv[2:])
