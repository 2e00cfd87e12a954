"""The kit's state for its page: what the cycle is doing, how far the backup is, what failed.

The kit's ``StateSignal`` publishes every state here as well as to the journal and the hook;
the backup's progress and a few facts (the kit's public key, the stick) come through the same
board. The board keeps one JSON document and rewrites ``status.json`` when it changes
(progress at most every ``min_interval`` seconds). Everything in it has passed the PAN mask
(``StateSignal`` masks messages before they get here) and none of it is secret: the kit's
*public* key, paths, counts and the one-line messages the journal shows anyway.

    {"format": "posdiag-kit-status", "version": 1, "seq": 12, "pid": 812,
     "state": "backing-up", "message": "…", "since": 1700000000.5, "updated": 1700000003.1,
     "progress": {"done": 4194304, "total": 10485760, "records": 812,
                  "rate": 52000.0, "eta": 121.0},
     "errors": [{"at": 1699999000.0, "state": "failed", "message": "…"}],
     "facts": {"kit_key": "RW…", "media": "/media/posdiag/STICK", "port": "/dev/…"}}
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posdiag.i18n import _
from posdiag.kit.web.channel import ensure_dir, read_json, write_json

STATUS_FILE = "status.json"
STATUS_FORMAT = "posdiag-kit-status"
STATUS_VERSION = 1
KEEP_ERRORS = 10
# States whose message is worth keeping among the "last errors" of the Kit page.
ERROR_STATES = frozenset({"failed", "config-invalid", "test-failed", "done"})
FACT_KEYS = frozenset({"kit_key", "media", "port", "terminal", "plan"})

log = logging.getLogger("posdiag.kit")


def status_path(folder: Path) -> Path:
    return folder / STATUS_FILE


def read_status(folder: Path) -> dict[str, Any] | None:
    """The status document, or None when there is none (yet) or it is not one of ours."""
    document = read_json(status_path(folder))
    if document is None or document.get("format") != STATUS_FORMAT:
        return None
    return document


class StatusBoard:
    """Writes ``status.json`` for the page. A failure to write is logged once and otherwise
    ignored: the page is a convenience, the backup is not."""

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time,
                 min_interval: float = 0.5) -> None:
        self.folder = folder
        self._clock = clock
        self._min_interval = min_interval
        self._last_write = float("-inf")
        self._pending = False
        self._rate_start: tuple[float, int] | None = None
        self._broken = False
        previous = read_status(folder) or {}
        self.doc: dict[str, Any] = {
            "format": STATUS_FORMAT, "version": STATUS_VERSION,
            "seq": int(previous.get("seq", 0)) if isinstance(previous.get("seq"), int) else 0,
            "pid": os.getpid(), "state": previous.get("state"),
            "message": previous.get("message", ""), "since": previous.get("since"),
            "updated": previous.get("updated"), "progress": None,
            "errors": [e for e in previous.get("errors", []) if isinstance(e, dict)
                       ][-KEEP_ERRORS:] if isinstance(previous.get("errors"), list) else [],
            "facts": {k: v for k, v in (previous.get("facts") or {}).items()
                      if k in FACT_KEYS and isinstance(v, str)}
            if isinstance(previous.get("facts"), dict) else {},
        }

    def state(self, state: str, message: str, said: Any = None) -> None:
        """The cycle's state and its message: in the kit's language, and (``said``, a
        posdiag.kit.signals.Said) in no language yet, for the page to say in the phone's."""
        now = self._clock()
        if state != self.doc["state"]:
            self.doc["since"] = now
            self.doc["progress"] = None
            self._rate_start = None
        self.doc["state"], self.doc["message"] = state, message
        if said is not None:
            self.doc["said"] = said.as_json()
        else:
            self.doc.pop("said", None)
        if state in ERROR_STATES:
            self.doc["errors"] = [*self.doc["errors"],
                                  {"at": now, "state": state, "message": message}
                                  ][-KEEP_ERRORS:]
        self._write(now)

    def progress(self, done: int, total: int | None, records: int) -> None:
        """Backup progress; rate (bytes per second) and ETA (seconds) from this run's start."""
        now = self._clock()
        if self._rate_start is None or done < self._rate_start[1]:
            self._rate_start = (now, done)
        started, done_at_start = self._rate_start
        elapsed = now - started
        rate = (done - done_at_start) / elapsed if elapsed >= 1.0 else None
        eta = ((total - done) / rate if rate and total is not None and total >= done
               else None)
        self.doc["progress"] = {"done": done, "total": total, "records": records,
                                "rate": round(rate, 1) if rate is not None else None,
                                "eta": round(eta, 1) if eta is not None else None}
        finished = total is not None and done >= total
        if finished or now - self._last_write >= self._min_interval:
            self._write(now)
        else:
            self._pending = True

    def note(self, **facts: str) -> None:
        """Facts the Kit page shows (kit_key, media, port, terminal, plan)."""
        unknown = set(facts) - FACT_KEYS
        if unknown:
            raise ValueError(_("unknown status facts {unknown}").format(unknown=sorted(unknown)))
        if all(self.doc["facts"].get(k) == v for k, v in facts.items()):
            return
        self.doc["facts"].update(facts)
        self._write(self._clock())

    def flush(self) -> None:
        if self._pending:
            self._write(self._clock())

    def _write(self, now: float) -> None:
        self.doc["seq"] += 1
        self.doc["updated"] = now
        self.doc["pid"] = os.getpid()
        try:
            ensure_dir(self.folder)
            write_json(status_path(self.folder), self.doc)
        except OSError as err:
            if not self._broken:
                log.warning(_("The kit page's status file in {folder} cannot be "
                              "written ({value}); the page will not follow this "
                              "cycle.").format(folder=self.folder, value=err.strerror or err))
            self._broken = True
            return
        self._last_write = now
        self._pending = False
