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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from posdiag.cards import mask_text
from posdiag.display import untrusted
from posdiag.i18n import N_, _

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

# What the cycle says about its states, in no language yet: the journal gets each in the
# kit's language (kit.toml `language`), the phone page in the phone's (Accept-Language).
OPENING_TERMINAL = N_("opening the terminal on {port}")
STARTING_BACKUP = N_("starting the backup of terminal {terminal} ({model}) into {folder}")
RESUMING_BACKUP = N_("resuming the backup of terminal {terminal} ({model}) into {folder}")
VERIFYING_SET = N_("checking signatures and hashes of {folder}")
RUNNING_PLAN = N_("running the acceptance plan {plan}")
FLUSHING = N_("flushing {folder}")
FINISHED = N_("terminal {terminal}: {records} records ({size} bytes) in {folder}, generation "
              "{generation}, verified; {ejected}")
PLUG_IN_BOTH = N_("plug in a terminal and a stick")
PLUG_IN_TERMINAL = N_("plug in a terminal")
PLUG_IN_STICK = N_("plug in a stick")
FIX_CONFIG = N_("{problem} Waiting for a fixed config.")
FILE_PROBLEM = N_("{problem} ({file}); check the stick and the kit's state folder.")
PLAN_PASSED = N_("the plan {plan} passed; records in {folder}.")
PLAN_FAILED = N_("the plan {plan} failed (exit {code}): {last}")
PLAN_FAILED_SILENTLY = N_("the plan {plan} failed (exit {code}).")
PLAN_TIMED_OUT = N_("the plan {plan} did not finish within {minutes} minutes.")
TEMPLATES = frozenset({OPENING_TERMINAL, STARTING_BACKUP, RESUMING_BACKUP, VERIFYING_SET,
                       RUNNING_PLAN, FLUSHING, FINISHED, PLUG_IN_BOTH, PLUG_IN_TERMINAL,
                       PLUG_IN_STICK, FIX_CONFIG, FILE_PROBLEM, PLAN_PASSED, PLAN_FAILED,
                       PLAN_FAILED_SILENTLY, PLAN_TIMED_OUT})


@dataclass(frozen=True, slots=True)
class Said:
    """A kit message before it is put into words: one of TEMPLATES and its values (already
    masked and escaped, as text). ``text()`` says it in the current language."""

    template: str
    values: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return _(self.template).format(**self.values)

    def as_json(self) -> dict[str, Any]:
        return {"template": self.template, "values": dict(self.values)}


def said(template: str, **values: object) -> Said:
    """A message of the cycle; its values masked (card numbers) and escaped (controls), as
    they quote device text and names on the stick."""
    if template not in TEMPLATES:
        raise ValueError(_("not a kit message template: {template!r}").format(template=template))
    return Said(template, {k: untrusted(mask_text(str(v))) for k, v in values.items()})


def said_in_current_language(document: Mapping[str, Any]) -> str | None:
    """The message of a status document's ``said`` in the current language; None when it has
    none, or one this posdiag does not know (an older or a forged status file)."""
    found = document.get("said")
    if not isinstance(found, Mapping):
        return None
    template, values = found.get("template"), found.get("values")
    if template not in TEMPLATES or not isinstance(values, Mapping) \
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        return None
    try:
        return mask_text(_(template).format(**values))
    except (KeyError, IndexError, ValueError):
        return None


class StateSignal:
    """Call with (state, message): logs one line and runs the hook, if any."""

    def __init__(self, hook: Sequence[str] | None = None, *, run: Runner = subprocess.run,
                 logger: logging.Logger = log, board: Any = None) -> None:
        self.hook = tuple(hook) if hook else None
        self._run = run
        self._log = logger
        self.board = board  # the phone page's status file (StatusBoard), if any
        self.history: list[str] = []  # states signalled, in order (tests and summaries)

    def __call__(self, state: str, message: str | Said) -> None:
        if state not in STATES:
            raise ValueError(_("unknown kit state {state!r}").format(state=state))
        words = message if isinstance(message, Said) else None
        # Messages quote device text and names on the stick: masked, controls escaped, so
        # neither the journal nor a hook nor `kit once` on a terminal gets them raw.
        text = untrusted(mask_text(message.text() if isinstance(message, Said) else message))
        self.history.append(state)
        self._log.log(_LEVELS.get(state, logging.INFO), "state %s: %s", state, text)
        if self.board is not None:
            self.board.state(state, text, said=words)
        if self.hook:
            self._run_hook(state, text)

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
