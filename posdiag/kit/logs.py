"""Log lines of the kit: to stderr, which systemd puts in the journal, through the PAN mask.

Under systemd (JOURNAL_STREAM is set) each line starts with its syslog
priority, ``<3>`` for errors and ``<6>`` for information, which journald reads
as the line's level; elsewhere lines carry a time stamp instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from posdiag.cards import MaskingFilter
from posdiag.display import untrusted

_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
             logging.DEBUG: 7}


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


class EscapingFormatter(logging.Formatter):
    """Control characters from outside (device text, names on a stick) escaped, lines kept,
    so neither `journalctl -a` nor a terminal running `kit once` gets them raw."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return untrusted(self._inner.format(record), keep_newlines=True)


@contextlib.contextmanager
def kit_logging(stream: TextIO | None = None, *, debug: bool = False) -> Iterator[None]:
    """One masked stderr handler on the ``posdiag`` logger for the ``with`` block, then undone
    (the CLI also runs in-process under tests, so nothing may be left behind)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(MaskingFilter())
    if os.environ.get("JOURNAL_STREAM"):
        inner: logging.Formatter = JournalFormatter("%(message)s")
    else:
        inner = logging.Formatter("%(asctime)s posdiag kit: %(message)s", "%Y-%m-%d %H:%M:%S")
    handler.setFormatter(EscapingFormatter(inner))
    logger, kit_logger = logging.getLogger("posdiag"), logging.getLogger("posdiag.kit")
    saved = logger.level, kit_logger.level
    logger.addHandler(handler)
    # Kit lines at INFO; drivers and the rest of posdiag only from WARNING unless debugging.
    kit_logger.setLevel(logging.INFO)
    if debug:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        kit_logger.setLevel(saved[1])
