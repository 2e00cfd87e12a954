"""State signalling for a kit with no screen: a journal log line always, plus an optional hook.

The hook is a command from the kit config, run as ``HOOK STATE`` with
POSDIAG_KIT_STATE and POSDIAG_KIT_MESSAGE in its environment, so a few lines
of shell can drive an LED or a buzzer. A hook that fails, hangs or is missing
is logged and otherwise ignored: signalling must never stop a backup. With a
``board`` (posdiag.kit.web.status.StatusBoard), states, backup progress and a
few facts also reach the kit's phone page (`posdiag kit serve`).
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

from posdiag.cards import mask_text
from posdiag.display import untrusted
from posdiag.i18n import _

log = logging.getLogger("posdiag.kit")

WAITING = "waiting"  # for a terminal and/or a stick
CONFIG_INVALID = "config-invalid"  # the service waits for a fixed kit.toml
IDENTIFYING = "identifying"
BACKING_UP = "backing-up"
VERIFYING = "verifying"
TESTING = "testing"  # running the acceptance plan
TEST_FAILED = "test-failed"
SYNCING = "syncing"
SAFE_TO_REMOVE = "safe-to-remove"  # verified, unmounted and powered off
DONE = "done"  # verified, but the stick could not be powered off: unmount it by hand
FAILED = "failed"
STATES = (WAITING, CONFIG_INVALID, IDENTIFYING, BACKING_UP, VERIFYING, TESTING, TEST_FAILED,
          SYNCING, SAFE_TO_REMOVE, DONE, FAILED)

_LEVELS = {FAILED: logging.ERROR, CONFIG_INVALID: logging.ERROR, TEST_FAILED: logging.WARNING,
           DONE: logging.WARNING}
HOOK_TIMEOUT = 10.0

Runner = Callable[..., Any]  # subprocess.run's shape


class StateSignal:
    """Call with (state, message): logs one line and runs the hook, if any."""

    def __init__(self, hook: Sequence[str] | None = None, *, run: Runner = subprocess.run,
                 logger: logging.Logger = log, board: Any = None) -> None:
        self.hook = tuple(hook) if hook else None
        self._run = run
        self._log = logger
        self.board = board  # the phone page's status file (StatusBoard), if any
        self.history: list[str] = []  # states signalled, in order (tests and summaries)

    def __call__(self, state: str, message: str) -> None:
        if state not in STATES:
            raise ValueError(_("unknown kit state {state!r}").format(state=state))
        # Messages quote device text and names on the stick: masked, controls escaped, so
        # neither the journal nor a hook nor `kit once` on a terminal gets them raw.
        message = untrusted(mask_text(message))
        self.history.append(state)
        self._log.log(_LEVELS.get(state, logging.INFO), "state %s: %s", state, message)
        if self.board is not None:
            self.board.state(state, message)
        if self.hook:
            self._run_hook(state, message)

    def progress(self, done: int, total: int | None, records: int) -> None:
        """Backup progress, for the phone page only (the journal gets a line per tenth)."""
        if self.board is not None:
            self.board.progress(done, total, records)

    def note(self, **facts: str) -> None:
        """Facts for the phone page's Kit view: kit_key (public), media, port, terminal."""
        if self.board is not None:
            self.board.note(**{k: mask_text(v) for k, v in facts.items()})

    def _run_hook(self, state: str, message: str) -> None:
        assert self.hook is not None
        env = dict(os.environ, POSDIAG_KIT_STATE=state, POSDIAG_KIT_MESSAGE=message)
        try:
            done = self._run([*self.hook, state], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             timeout=HOOK_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            self._log.warning(_("The status hook {hook} did not finish within "
                                "{hook_timeout:.0f} s for state {state}; make it "
                                "return quickly.").format(
                                  hook=self.hook[0], hook_timeout=HOOK_TIMEOUT, state=state))
            return
        except OSError as err:
            self._log.warning(_("The status hook {hook} could not be run ({value}); "
                                "check the hook setting in the kit config.").format(
                                  hook=self.hook[0], value=err.strerror or err))
            return
        if getattr(done, "returncode", 0) != 0:
            self._log.warning(_("The status hook {hook} exited with {returncode} for "
                                "state {state}.").format(
                                  hook=self.hook[0], returncode=done.returncode, state=state))
