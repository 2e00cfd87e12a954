"""The person running the test, behind one interface with three backends.

Steps speak to an ``Operator`` in three ways only:

  instruct(prompt)  ask for something done at the terminal (swipe a card, type the PIN); the
                    terminal itself is what waits for it, so this returns at once
  confirm(prompt)   a yes/no question (is the receipt legible and cut?); returns an Answer
  enter(prompt)     a short text the person reads off the device (the serial number on the
                    label); returns an Answer whose ``text`` is what was typed

Backends: ``ConsoleOperator`` (a person at the laptop: clear text, countdown, y/n, Ctrl-C aborts),
``AnswersFileOperator`` (scripted answers for CI, ``--answers FILE``), ``EmulatorOperator`` (with
a ``sim`` port: swipes, types and confirms for real through the emulator's control channel).
The emulated person answers only for emulated devices: a bench that mixes them (an emulated
terminal, a real printer) gets a ``DeviceRouter``, which sends each prompt by its ``device``
to the emulated person or to a real one, and every answer records which backend gave it.
Prompt texts never hold a PIN or a full PAN; the recorder masks them once more anyway.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from posdiag.errors import CheckFailed, PlanError, UsageError
from posdiag.i18n import N_, _
from posdiag.plan.console_io import Countdown, InputEnded, input_closed, isatty, read_line

DEVICE_WORDS = {"terminal": N_("terminal"), "printer": N_("receipt printer")}

DISPLAY = "display"  # the terminal's display
TERMINAL_PRINTER = "terminal-printer"  # the last receipt out of the terminal's own printer
RECEIPT_PRINTER = "receipt-printer"  # the last receipt out of the ESC/POS receipt printer


@dataclass(frozen=True, slots=True)
class Look:
    """What the person looks at to answer a confirm, and what they should see there.

    A person compares with their own eyes; the emulated person looks at the emulated device,
    so a step never reaches into an emulator. For the receipt printer ``lines`` is empty: it
    checks the posdiag test receipt."""

    at: str  # DISPLAY, TERMINAL_PRINTER or RECEIPT_PRINTER
    lines: tuple[str, ...] = ()


class PromptUnanswered(CheckFailed):
    """Nobody answered a prompt in time (or the answers file has no answer for it)."""


class InputClosed(PromptUnanswered):
    """Nobody can answer at the console: its standard input is closed or ended. Said at once,
    never after a wait, and the step is not tried again (no one could act on it)."""


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str  # "<step name>.<purpose>", the key an answers file uses
    kind: str  # "instruct", "confirm" or "enter"
    text: str
    timeout: float = 60.0
    action: str = ""  # instruct: "swipe", "insert", "pin", "look"; "inspect", "read-label"
    card: str = ""  # test-card profile name for swipe / insert / pin
    # With an emulator, how to decide a confirm without a person: () -> (yes?, reason).
    check: Callable[[], tuple[bool, str]] | None = None
    item: str = ""  # inspect: which arrival check ("seals", "no-tampering", "model", ...)
    expected: str = ""  # inspect "model": the model that was ordered
    device: str = "terminal"  # what the prompt is about: "terminal" or "printer"
    choices: tuple[str, ...] = ()  # choose: the answers allowed, e.g. ("retry", "skip", "abort")
    look: Look | None = None  # confirm: what to look at, and what should be there


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str  # "done", "yes", "no" or "entered"
    by: str
    reason: str = ""
    text: str = ""  # enter: what was typed

    @property
    def yes(self) -> bool:
        return self.answer in ("yes", "done")


class Operator(Protocol):
    """Every backend has these. A backend that can also let a person decide what happens
    after a slip has ``choose(prompt) -> Answer`` (answer = one of ``prompt.choices``); the
    runner asks for it with ``getattr``, so backends without it keep working unchanged."""

    name: str

    def instruct(self, prompt: Prompt) -> Answer: ...

    def confirm(self, prompt: Prompt) -> Answer: ...

    def enter(self, prompt: Prompt) -> Answer: ...

    def show_status(self, text: str) -> None:
        """What the terminal's display says right now (ZVT intermediate status)."""
        ...


# --- console -----------------------------------------------------------------------------------


class ConsoleOperator:
    """A person at the keyboard: instructions and questions on stderr, each wait with a live
    countdown (on a TTY), y/n and retry/skip/abort typed; Ctrl-C aborts.

    An instruction returns at once — the terminal is what waits — but its countdown runs on
    until the step's terminal call ends (``end_wait``, called by the runner) or the next text
    is shown; the terminal's statuses (04 FF) appear above it, in the person's words when they
    ask for the card or the PIN."""

    name = "console"

    def __init__(self, stream: IO[str] | None = None, stdin: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out = stream or sys.stderr
        self.stdin = stdin if stdin is not None else sys.stdin
        self.clock = clock
        self._countdown: Countdown | None = None
        self.input_closed = input_closed(self.stdin)  # seen before, or when, input ends

    def instruct(self, prompt: Prompt) -> Answer:
        """Show what to do at the terminal. Nothing is typed here, so a closed input does
        not stop it: someone may act at the terminal all the same (a robot in CI). Only the
        questions after it are unanswered at once, and a slip is not tried again."""
        self.end_wait()
        header = f"\n>>> {prompt.text}"
        if isatty(self.out):
            self._countdown = Countdown(
                self.out, lambda left: _("    waiting, {seconds:3d} s left").format(
                    seconds=left), self.clock() + prompt.timeout, self.clock).start(header)
        else:
            self.out.write(header + "\n" + _("    (within {seconds:.0f} s)").format(
                seconds=prompt.timeout) + "\n")
            self.out.flush()
        return Answer("done", self.name)

    def end_wait(self) -> None:
        """The terminal stopped waiting (answered, refused, timed out): end the countdown."""
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None

    def show_status(self, text: str) -> None:
        from posdiag.display import untrusted
        from posdiag.plan.slips import waiting_for

        wants = waiting_for([text])
        text = untrusted(text)  # what the terminal's display shows: device text
        if wants == "card":
            line = _("    the terminal shows \"{text}\": insert or swipe the test card now").format(
                text=text)
        elif wants == "pin":
            line = _("    the terminal shows \"{text}\": type the PIN on the PIN pad and press "
                     "OK").format(text=text)
        else:
            line = _("    the terminal shows \"{text}\"").format(text=text)
        if self._countdown is not None:
            self._countdown.above(line)
        else:
            self.out.write(line + "\n")
            self.out.flush()

    def confirm(self, prompt: Prompt) -> Answer:
        """y/n; KeyboardInterrupt (Ctrl-C) passes up to the runner, which records ABORTED."""
        self.end_wait()
        deadline = self.clock() + prompt.timeout
        reply = self._read_line("    [y/n]", deadline, header=f"??? {prompt.text}")
        while reply is not None and reply.strip().lower() not in YES + NO:
            reply = self._read_line("    " + _("please answer y or n"), deadline)
        if reply is None:
            raise self._unanswered(prompt)
        if reply.strip().lower() in YES:
            return Answer("yes", self.name)
        try:
            reason = self._read_line("    " + _("what is wrong? (Enter to skip)"), deadline) or ""
        except InputClosed:
            reason = ""  # the answer stands; only the reason is missing
        return Answer("no", self.name, reason.strip() or _("operator answered no"))

    def enter(self, prompt: Prompt) -> Answer:
        """A line typed by the person (Enter alone asks again); unanswered in time fails."""
        self.end_wait()
        deadline = self.clock() + prompt.timeout
        reply = self._read_line("    >", deadline, header=f"??? {prompt.text}")
        while reply is not None and not reply.strip():
            reply = self._read_line("    " + _("please type it (Ctrl-C aborts)"), deadline)
        if reply is None:
            raise self._unanswered(prompt)
        return Answer("entered", self.name, text=reply.strip())

    def choose(self, prompt: Prompt) -> Answer:
        """One of ``prompt.choices`` (retry / skip / abort after a slip), by its first letter."""
        self.end_wait()
        deadline = self.clock() + prompt.timeout
        keys = {choice[0]: choice for choice in prompt.choices}
        menu = " / ".join(f"[{choice[0]}]{choice[1:]}" for choice in prompt.choices)
        reply = self._read_line(f"    {menu}", deadline, header=f"??? {prompt.text}")
        while reply is not None and _choice(reply, keys) is None:
            reply = self._read_line("    " + _("please answer {keys}").format(
                keys=" / ".join(keys)), deadline)
        if reply is None:
            raise self._unanswered(prompt)
        return Answer(_choice(reply, keys) or "", self.name)

    def _unanswered(self, prompt: Prompt) -> PromptUnanswered:
        # No command to go on here: `posdiag test` prints the one that covers every step
        # still open (--from or --only), and a second, different hint would contradict it.
        return PromptUnanswered(_("nobody answered {question!r} within {seconds:.0f} s").format(
            question=prompt.text, seconds=prompt.timeout))

    def _closed(self) -> InputClosed:
        closed = InputClosed(_("no answer: standard input is closed; use --answers FILE for "
                               "unattended runs"))
        self.out.write(f"    {closed}\n")
        self.out.flush()
        return closed

    def _read_line(self, question: str, deadline: float, header: str = "") -> str | None:
        if self.input_closed:
            if header:
                self.out.write(header + "\n")
            raise self._closed()
        try:
            return read_line(self.out, self.stdin, lambda left: _("{question} ({seconds:3d} s)")
                             .format(question=question, seconds=left), deadline, self.clock,
                             header)
        except InputEnded:
            self.input_closed = True
            raise self._closed() from None


YES, NO = ("y", "yes", "是"), ("n", "no", "否")


def _choice(reply: str, keys: dict[str, str]) -> str | None:
    word = reply.strip().lower()
    if word in keys.values():
        return word
    return keys.get(word[:1]) if len(word) == 1 else None


# --- answers file -------------------------------------------------------------------------------


class AnswersFileOperator:
    """Answers from a TOML file (docs/test-plans.md):

        default = "yes"                        # optional: any yes/no prompt not listed
        [answers]
        "receipt-print.confirm" = "yes"        # by prompt id ...
        "display" = { answer = "no", reason = "text garbled" }   # ... or by step name
        "arrival-inspection.serial-label" = { text = "EMU0000002" }  # what is typed

    Instructions are only recorded: whatever acts at the terminal in CI does so on its own.
    """

    name = "answers"

    def __init__(self, answers: dict[str, tuple[str, str, str]], default: str | None = None,
                 source: str = "") -> None:
        self.answers, self.default, self.source = answers, default, source

    @classmethod
    def load(cls, path: str | Path) -> AnswersFileOperator:
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise UsageError(_("Cannot read the answers file {path} ({strerror}).").format(
                                 path=path, strerror=err.strerror)) from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise PlanError(_("{path}: the answers file is not valid TOML ({err}).").format(
                                path=path, err=err)) from err
        unknown = set(document) - {"default", "answers"}
        if unknown:
            raise PlanError(_("{path}: unknown key(s) {unknown}; an answers file has "
                              "default and [answers].").format(
                                path=path, unknown=', '.join(sorted(unknown))))
        default = document.get("default")
        if default is not None and default not in ("yes", "no"):
            raise PlanError(_("{path}: default must be \"yes\" or \"no\".").format(path=path))
        answers: dict[str, tuple[str, str, str]] = {}
        table = document.get("answers", {})
        if not isinstance(table, dict):
            raise PlanError(_("{path}: answers must be a table [answers].").format(path=path))
        for key, value in table.items():
            answers[key] = _parse_answer(path, key, value)
        return cls(answers, default, str(path))

    def lookup(self, prompt: Prompt) -> Answer | None:
        step = prompt.id.rsplit(".", 1)[0]
        found = self.answers.get(prompt.id) or self.answers.get(step)
        if prompt.kind == "enter":  # a typed answer is never a default
            if found is not None and found[0] == "entered":
                return Answer("entered", self.name, found[1], found[2])
            return None
        if found is not None and found[0] != "entered":
            return Answer(found[0], self.name, found[1])
        if self.default is not None:
            return Answer(self.default, self.name, "default answer")
        return None

    def instruct(self, prompt: Prompt) -> Answer:
        return Answer("done", self.name, "announced")

    def confirm(self, prompt: Prompt) -> Answer:
        answer = self.lookup(prompt)
        if answer is None:
            raise PromptUnanswered(_("the answers file {source} has no answer for "
                                     "{id!r}; add one.").format(source=self.source, id=prompt.id))
        return answer

    def enter(self, prompt: Prompt) -> Answer:
        answer = self.lookup(prompt)
        if answer is None:
            raise PromptUnanswered(_("the answers file {file} has no typed answer for {id!r}; "
                                     "add {id!r} = {{ text = \"…\" }}.").format(
                                         file=self.source, id=prompt.id))
        return answer

    def show_status(self, text: str) -> None:
        pass


def _parse_answer(path: Path, key: str, value: Any) -> tuple[str, str, str]:
    """(answer, reason, text): "yes"/"no" with a reason, or "entered" with the typed text."""
    reason = ""
    if isinstance(value, dict) and "text" in value:
        if set(value) - {"text"} or not isinstance(value["text"], str):
            raise PlanError(_("{path}: answer {key!r} takes text = \"what is typed\" alone.")
                            .format(path=path, key=key))
        return "entered", "", value["text"].strip()
    if isinstance(value, dict):
        if set(value) - {"answer", "reason"} or "answer" not in value:
            raise PlanError(_("{path}: answer {key!r} takes answer and reason.").format(
                                path=path, key=key))
        value, reason = value["answer"], str(value.get("reason", ""))
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if value not in ("yes", "no"):
        raise PlanError(_("{path}: answer {key!r} must be \"yes\" or \"no\".").format(
                            path=path, key=key))
    return value, reason, ""


# --- emulator ------------------------------------------------------------------------------------


class EmulatorOperator:
    """The emulated terminal's person: acts through its control channel, decides by checks.

    Confirms use ``answers`` first (an answers file may overrule), else the prompt's check
    (e.g. the captured receipt compared with what was sent), else yes. It answers only for
    the ``devices`` that are emulated (by default the terminal, when there is an emulator):
    a question about a real device is refused (PromptUnanswered), never answered "yes".
    """

    name = "emulator"

    CAPTURE_WAIT = 3.0  # s for an emulated network printer to decode what it was sent

    def __init__(self, emulator: Any, answers: AnswersFileOperator | None = None, *,
                 devices: frozenset[str] | None = None,
                 receipt_printer: Callable[[], Any] | None = None) -> None:
        self.emulator = emulator
        self.answers = answers
        self.receipt_printer = receipt_printer  # the emulated ESC/POS printer, once started
        self.devices = devices if devices is not None else (
            frozenset({"terminal"}) if emulator is not None else frozenset())

    def control(self, command: str) -> list[str]:
        from posdiag.emulator.control import execute

        return execute(self.emulator, command)

    def pin_for(self, card: str) -> str:
        """The digits typed for a card: its profile's PIN (tests override this)."""
        return str(self.emulator.payment.operator.card(card).pin)

    def _only_emulated(self, prompt: Prompt) -> None:
        if prompt.device not in self.devices:
            word = DEVICE_WORDS.get(prompt.device, DEVICE_WORDS["terminal"])
            device = _(word)
            raise PromptUnanswered(_("the emulated operator cannot answer {id!r}: the {device} "
                                     "is a real one; a person must look at it (on the console, "
                                     "or in an answers file).").format(id=prompt.id,
                                                                       device=device))

    def instruct(self, prompt: Prompt) -> Answer:
        self._only_emulated(prompt)
        if prompt.action in ("swipe", "insert"):
            self.control(f"{prompt.action} {prompt.card}")
        elif prompt.action == "pin":
            self.control(f"pin {self.pin_for(prompt.card)}")
        return Answer("done", self.name)

    def person(self) -> Any:
        """The emulated person at the terminal (posdiag.emulator.operator.Operator)."""
        return self.emulator.payment.operator

    def confirm(self, prompt: Prompt) -> Answer:
        self._only_emulated(prompt)
        if self.answers is not None:
            answer = self.answers.lookup(prompt)
            if answer is not None:
                return answer
        if prompt.action == "inspect":  # the person looks at the emulated terminal's casing
            ok, reason = self.person().inspect(prompt.item, expected_model=prompt.expected)
            return Answer("yes" if ok else "no", self.name, reason)
        if prompt.look is not None:
            ok, reason = self.see(prompt.look)
            return Answer("yes" if ok else "no", self.name, reason)
        if prompt.check is None:
            return Answer("yes", self.name)
        ok, reason = prompt.check()
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
            return True, ""  # nothing emulated to look at
        deadline = time.monotonic() + self.CAPTURE_WAIT
        while not printer.receipts and time.monotonic() < deadline:
            time.sleep(0.01)
        problems = check_test_receipt(printer.receipts[-1]) if printer.receipts \
            else ["nothing was printed."]
        return not problems, " ".join(problems[:3])

    def enter(self, prompt: Prompt) -> Answer:
        self._only_emulated(prompt)
        if self.answers is not None:
            answer = self.answers.lookup(prompt)
            if answer is not None:
                return answer
        if prompt.action == "read-label":
            return Answer("entered", self.name, text=self.person().read_label())
        raise PromptUnanswered(_("the emulator's operator cannot answer {id!r}; give the answer "
                                 "in an answers file.").format(id=prompt.id))

    def show_status(self, text: str) -> None:
        pass


# --- both: emulated devices and real ones on one bench ----------------------------------------


class DeviceRouter:
    """Each prompt to whoever may answer it: ``emulated`` for the devices in ``devices``,
    ``person`` (console, answers file, kit page) for every real one.

    The answers name their backend (``by``), so the record shows who looked at what.
    """

    def __init__(self, emulated: Operator, person: Operator, devices: frozenset[str]) -> None:
        self.emulated, self.person, self.devices = emulated, person, devices
        self.name = f"{emulated.name}+{person.name}"

    def backend_for(self, prompt: Prompt) -> Operator:
        """Who is asked: also what the record names when nobody answered."""
        return self.emulated if prompt.device in self.devices else self.person

    def instruct(self, prompt: Prompt) -> Answer:
        return self.backend_for(prompt).instruct(prompt)

    def confirm(self, prompt: Prompt) -> Answer:
        return self.backend_for(prompt).confirm(prompt)

    def enter(self, prompt: Prompt) -> Answer:
        return self.backend_for(prompt).enter(prompt)

    def show_status(self, text: str) -> None:
        """The terminal's display: shown to whoever acts at the terminal."""
        (self.emulated if "terminal" in self.devices else self.person).show_status(text)

    def end_wait(self) -> None:
        for backend in (self.emulated, self.person):
            end = getattr(backend, "end_wait", None)
            if end is not None:
                end()
