"""`posdiag kit run`: the kit's long-running service.

Each step re-reads the config, looks for one terminal and one mounted stick,
and runs a cycle when both are there. It never exits on its own:

- an invalid config is logged once (one line, again only when the problem
  changes) and the service keeps re-reading it until it is fixed;
- after a finished cycle it waits until the stick or the terminal goes away
  (a powered-off stick vanishes), so one plug-in gives exactly one backup;
- after a failed cycle it retries after ``retry_seconds``; the next cycle
  resumes the interrupted set, and so does the first cycle after a power loss.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from posdiag.backup.kitkey import config_dir
from posdiag.backup.media import MountedMedium
from posdiag.errors import PlanError, PosdiagError
from posdiag.i18n import _, use_language
from posdiag.kit import signals
from posdiag.kit.config import AUTO, KitConfig, load_kit_config
from posdiag.kit.cycle import CycleResult, run_cycle
from posdiag.kit.detect import find_stick, find_terminal_port
from posdiag.kit.lock import is_locked, lock_path
from posdiag.kit.signals import StateSignal, log

POLL_SECONDS = 2.0
RETRY_SECONDS = 30.0

class StopEvent(Protocol):
    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class SignalStop:
    """Stops the service on SIGTERM/SIGINT, race-free, as a context manager.

    threading.Event cannot be set from a signal handler (its set() takes a lock the
    interrupted wait() may hold: a deadlock), and a flag alone misses a signal that lands
    just before the wait blocks. So the C-level handler writes to a self-pipe
    (signal.set_wakeup_fd) and the wait selects on it.
    """

    def __init__(self, signums: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
        self._signums = signums
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._flag = False
        self._saved: dict[int, Any] = {}
        self._saved_fd = -1

    def __enter__(self) -> SignalStop:
        for signum in self._signums:
            self._saved[signum] = signal.signal(signum, self._handle)
        self._saved_fd = signal.set_wakeup_fd(self._write)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.set_wakeup_fd(self._saved_fd)
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        os.close(self._read)
        os.close(self._write)

    def _handle(self, signum: int, frame: object) -> None:
        self._flag = True

    def is_set(self) -> bool:
        return self._flag

    def wait(self, timeout: float | None = None) -> bool:
        if not self._flag:
            select.select([self._read], [], [], timeout)
            with contextlib.suppress(BlockingIOError):
                # The wakeup fd carries the signal numbers; the Python handler may run later.
                if set(os.read(self._read, 64)) & set(self._signums):
                    self._flag = True
        return self._flag


# What one step did (returned for tests and for the loop's choice of pause).
CONFIG_INVALID, WAITING, BUSY, IDLE, DONE, FAILED = (
    "config-invalid", "waiting", "busy", "idle", "done", "failed")


@dataclass
class KitService:
    config_path: Path
    state_dir: Path | None = None
    find_port: Callable[[], str | None] = find_terminal_port
    find_media: Callable[[], MountedMedium | None] = find_stick
    cycle: Callable[..., CycleResult] = run_cycle
    signal_factory: Callable[[KitConfig | None], StateSignal] = (
        lambda config: StateSignal(config.hook if config else None))
    _config_problem: str | None = field(default=None, init=False)
    _waiting_for: str | None = field(default=None, init=False)
    _done_for: tuple[str, str] | None = field(default=None, init=False)
    _board: Any = field(default=None, init=False)  # the phone page's status (StatusBoard)

    def _signal(self, config: KitConfig | None) -> StateSignal:
        signal = self.signal_factory(config)
        if signal.board is None:
            from posdiag.kit.web.channel import web_dir
            from posdiag.kit.web.status import StatusBoard

            if self._board is None:
                self._board = StatusBoard(web_dir(config_dir(self.state_dir)))
            signal.board = self._board
        return signal

    def step(self) -> str:
        """Look once and act once; returns what happened (one of the constants above)."""
        try:
            config = load_kit_config(self.config_path)
        except PlanError as err:
            if str(err) != self._config_problem:
                self._config_problem = str(err)
                self._signal(None)(signals.CONFIG_INVALID,
                                   signals.said(signals.FIX_CONFIG, problem=err))
            return CONFIG_INVALID
        if self._config_problem is not None:
            log.info("%s", _("The kit config {path} is valid again.").format(
                path=self.config_path))
            self._config_problem = None
        with use_language(config.language) if config.language else contextlib.nullcontext():
            return self._act(config)

    def _act(self, config: KitConfig) -> str:
        signal = self._signal(config)
        port = config.port if config.port != AUTO else self.find_port()
        media = config.media
        if media is None:
            stick = self.find_media()
            media = stick.mount_point if stick else None
        missing = (signals.PLUG_IN_BOTH if port is None and media is None
                   else signals.PLUG_IN_TERMINAL if port is None else signals.PLUG_IN_STICK)
        if port is None or media is None:
            self._done_for = None  # something was unplugged: the next plug-in is a new job
            if missing != self._waiting_for:
                self._waiting_for = missing
                signal(signals.WAITING, signals.said(missing))
            return WAITING
        self._waiting_for = None
        job = (port, str(media))
        if job == self._done_for:
            return IDLE  # finished; waiting for the technician to unplug
        if is_locked(lock_path(config_dir(self.state_dir))):
            return BUSY
        try:
            self.cycle(config, port, media, state_dir=self.state_dir, signal=signal)
        except (PosdiagError, OSError):
            return FAILED  # signalled (and logged) by the cycle; retried after a pause
        self._done_for = job
        return DONE

    def run(self, stop: StopEvent, poll: float = POLL_SECONDS,
            retry: float = RETRY_SECONDS) -> None:
        """Step until ``stop`` is set (SIGTERM in the CLI)."""
        log.info("%s", _("posdiag kit service started; config {path}").format(
            path=self.config_path))
        while not stop.is_set():
            outcome = self.step()
            stop.wait(retry if outcome == FAILED else poll)
        log.info("%s", _("posdiag kit service stopped."))
