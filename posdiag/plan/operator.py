"""The person running the test, behind one interface with three backends.

Steps speak to an ``Operator`` in two ways only:

  instruct(prompt)  ask for something done at the terminal (swipe a card, type the PIN); the
                    terminal itself is what waits for it, so this returns at once
  confirm(prompt)   a yes/no question (is the receipt legible and cut?); returns an Answer

Backends: ``ConsoleOperator`` (a person at the laptop: clear text, countdown, y/n, Ctrl-C aborts),
``AnswersFileOperator`` (scripted answers for CI, ``--answers FILE``), ``EmulatorOperator`` (with
a ``sim`` port: swipes, types and confirms for real through the emulator's control channel).
Prompt texts never hold a PIN or a full PAN; the recorder masks them once more anyway.
"""

from __future__ import annotations

import select
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from posdiag.errors import CheckFailed, PlanError, UsageError


class PromptUnanswered(CheckFailed):
    """Nobody answered a prompt in time (or the answers file has no answer for it)."""


DISPLAY = "display"  # the terminal's display
TERMINAL_PRINTER = "terminal-printer"  # the last receipt out of the terminal's own printer
RECEIPT_PRINTER = "receipt-printer"  # the last receipt out of the ESC/POS receipt printer


@dataclass(frozen=True, slots=True)
class Look:
    """What the person looks at to answer a confirm, and what they should see there.

    A person compares with their own eyes; the emulated person looks at the emulated device.
    For the receipt printer ``lines`` is empty: it checks the posdiag test receipt."""

    at: str  # DISPLAY, TERMINAL_PRINTER or RECEIPT_PRINTER
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str  # "<step name>.<purpose>", the key an answers file uses
    kind: str  # "instruct" or "confirm"
    text: str
    timeout: float = 60.0
    action: str = ""  # instruct: "swipe", "insert", "pin", "look"
    card: str = ""  # test-card profile name for swipe / insert / pin
    look: Look | None = None  # confirm: what to look at


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str  # "done", "yes" or "no"
    by: str
    reason: str = ""

    @property
    def yes(self) -> bool:
        return self.answer in ("yes", "done")


class Operator(Protocol):
    name: str

    def instruct(self, prompt: Prompt) -> Answer: ...

    def confirm(self, prompt: Prompt) -> Answer: ...

    def show_status(self, text: str) -> None:
        """What the terminal's display says right now (ZVT intermediate status)."""
        ...


# --- console -----------------------------------------------------------------------------------


class ConsoleOperator:
    """A person at the keyboard: instructions on stderr, y/n with a countdown on the terminal."""

    name = "console"

    def __init__(self, stream: IO[str] | None = None, stdin: IO[str] | None = None) -> None:
        self.out = stream or sys.stderr
        self.stdin = stdin or sys.stdin

    def instruct(self, prompt: Prompt) -> Answer:
        self.out.write(f"\n>>> {prompt.text}  (within {prompt.timeout:.0f} s)\n")
        self.out.flush()
        return Answer("done", self.name)

    def show_status(self, text: str) -> None:
        self.out.write(f"    terminal: {text}\n")
        self.out.flush()

    def confirm(self, prompt: Prompt) -> Answer:
        """y/n; KeyboardInterrupt (Ctrl-C) passes up to the runner, which records ABORTED."""
        deadline = time.monotonic() + prompt.timeout
        reply = self._read_line(f"??? {prompt.text} [y/n]", deadline)
        while reply is not None and reply.strip().lower() not in ("y", "yes", "n", "no"):
            reply = self._read_line("    please answer y or n", deadline)
        if reply is None:
            self.out.write("\n")
            raise PromptUnanswered(f"nobody answered {prompt.text!r} within "
                                   f"{prompt.timeout:.0f} s; run the step again.")
        if reply.strip().lower() in ("y", "yes"):
            return Answer("yes", self.name)
        reason = self._read_line("    what is wrong? (Enter to skip)", deadline) or ""
        return Answer("no", self.name, reason.strip() or "operator answered no")

    def _read_line(self, question: str, deadline: float) -> str | None:
        interactive = hasattr(self.stdin, "fileno") and _isatty(self.stdin)
        if not interactive:  # piped input: no countdown, read what is there
            self.out.write(f"{question} ")
            self.out.flush()
            line = self.stdin.readline()
            return line.rstrip("\n") if line else None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.out.write(f"\r{question} ({left:3.0f} s) ")
            self.out.flush()
            ready, _, _ = select.select([self.stdin], [], [], min(1.0, left))
            if ready:
                line = self.stdin.readline()
                return line.rstrip("\n") if line else None


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False


# --- answers file -------------------------------------------------------------------------------


class AnswersFileOperator:
    """Answers from a TOML file (docs/test-plans.md):

        default = "yes"                        # optional: any prompt not listed
        [answers]
        "receipt-print.confirm" = "yes"        # by prompt id ...
        "display" = { answer = "no", reason = "text garbled" }   # ... or by step name

    Instructions are only recorded: whatever acts at the terminal in CI does so on its own.
    """

    name = "answers"

    def __init__(self, answers: dict[str, tuple[str, str]], default: str | None = None,
                 source: str = "") -> None:
        self.answers, self.default, self.source = answers, default, source

    @classmethod
    def load(cls, path: str | Path) -> AnswersFileOperator:
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise UsageError(f"Cannot read the answers file {path} ({err.strerror}).") from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise PlanError(f"{path}: the answers file is not valid TOML ({err}).") from err
        unknown = set(document) - {"default", "answers"}
        if unknown:
            raise PlanError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; an answers "
                            "file has default and [answers].")
        default = document.get("default")
        if default is not None and default not in ("yes", "no"):
            raise PlanError(f"{path}: default must be \"yes\" or \"no\".")
        answers: dict[str, tuple[str, str]] = {}
        table = document.get("answers", {})
        if not isinstance(table, dict):
            raise PlanError(f"{path}: answers must be a table [answers].")
        for key, value in table.items():
            answers[key] = _parse_answer(path, key, value)
        return cls(answers, default, str(path))

    def lookup(self, prompt: Prompt) -> Answer | None:
        step = prompt.id.rsplit(".", 1)[0]
        found = self.answers.get(prompt.id) or self.answers.get(step)
        if found is not None:
            return Answer(found[0], self.name, found[1])
        if self.default is not None:
            return Answer(self.default, self.name, "default answer")
        return None

    def instruct(self, prompt: Prompt) -> Answer:
        return Answer("done", self.name, "announced")

    def confirm(self, prompt: Prompt) -> Answer:
        answer = self.lookup(prompt)
        if answer is None:
            raise PromptUnanswered(f"the answers file {self.source} has no answer for "
                                   f"{prompt.id!r}; add one.")
        return answer

    def show_status(self, text: str) -> None:
        pass


def _parse_answer(path: Path, key: str, value: Any) -> tuple[str, str]:
    reason = ""
    if isinstance(value, dict):
        if set(value) - {"answer", "reason"} or "answer" not in value:
            raise PlanError(f"{path}: answer {key!r} takes answer and reason.")
        value, reason = value["answer"], str(value.get("reason", ""))
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if value not in ("yes", "no"):
        raise PlanError(f"{path}: answer {key!r} must be \"yes\" or \"no\".")
    return value, reason


# --- emulator ------------------------------------------------------------------------------------


class EmulatorOperator:
    """The emulated terminal's person: acts through its control channel, looks at its devices.

    Confirms use ``answers`` first (an answers file may overrule), else what the person sees
    where the prompt says to look (the emulated display or printer), else yes.
    """

    name = "emulator"
    CAPTURE_WAIT = 3.0  # s for an emulated network printer to decode what it was sent

    def __init__(self, emulator: Any, answers: AnswersFileOperator | None = None, *,
                 receipt_printer: Callable[[], Any] | None = None) -> None:
        self.emulator = emulator
        self.answers = answers
        self.receipt_printer = receipt_printer  # the emulated ESC/POS printer, once started

    def control(self, command: str) -> list[str]:
        from posdiag.emulator.control import execute

        return execute(self.emulator, command)

    def pin_for(self, card: str) -> str:
        """The digits typed for a card: its profile's PIN (tests override this)."""
        return str(self.emulator.payment.operator.card(card).pin)

    def instruct(self, prompt: Prompt) -> Answer:
        if prompt.action in ("swipe", "insert"):
            self.control(f"{prompt.action} {prompt.card}")
        elif prompt.action == "pin":
            self.control(f"pin {self.pin_for(prompt.card)}")
        return Answer("done", self.name)

    def confirm(self, prompt: Prompt) -> Answer:
        if self.answers is not None:
            answer = self.answers.lookup(prompt)
            if answer is not None:
                return answer
        if prompt.look is None:
            return Answer("yes", self.name)
        ok, reason = self.see(prompt.look)
        return Answer("yes" if ok else "no", self.name, reason)

    def see(self, look: Look) -> tuple[bool, str]:
        """Whether what is there matches what the prompt expects, and if not, why not."""
        if look.at == DISPLAY:
            shown = tuple(self.emulator.state.display)
            return shown == look.lines, ("" if shown == look.lines
                                         else f"the display shows {list(shown)!r}")
        if look.at == TERMINAL_PRINTER:
            printed = list(self.emulator.printer.printed)
            if not printed:
                return False, "nothing was printed"
            if [line.text for line in printed[-1].lines] != list(look.lines):
                return False, "the printed text differs from the text sent"
            return True, ""
        if look.at == RECEIPT_PRINTER:
            return self._see_test_receipt()
        return True, ""

    def _see_test_receipt(self) -> tuple[bool, str]:
        from posdiag.drivers.escpos.testreceipt import check_test_receipt

        printer = self.receipt_printer() if self.receipt_printer else None
        if printer is None:
            return True, ""  # a real printer: nobody emulated to look at it
        deadline = time.monotonic() + self.CAPTURE_WAIT
        while not printer.receipts and time.monotonic() < deadline:
            time.sleep(0.01)
        problems = check_test_receipt(printer.receipts[-1]) if printer.receipts \
            else ["nothing was printed."]
        return not problems, " ".join(problems[:3])

    def show_status(self, text: str) -> None:
        pass
