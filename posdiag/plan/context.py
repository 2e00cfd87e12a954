"""What a step works with: the bench (devices, opened on first use) and the step context.

``Bench`` opens the terminal (and the ESC/POS printer, for printer plans) only when a step needs
it, so a plan error or a printer-only plan never touches the terminal. ``StepContext`` is
handed to a step function: it measures, notes observations, prompts the operator (recorded,
masked) and fails the step with ``ctx.fail("why")``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.cards import mask_text
from posdiag.errors import CheckFailed, UsageError
from posdiag.i18n import _
from posdiag.plan.model import Measurement, PromptRecord, StepSpec
from posdiag.plan.operator import Answer, Look, Operator, Prompt

if TYPE_CHECKING:
    from posdiag.terminal_settings import TerminalSettings


class StepFailed(CheckFailed):
    """The terminal did something, and it was wrong: the step FAILs with this message."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Bench:
    """The devices of one run. ``emulator`` is set for sim ports (its operator acts on it);
    ``port`` is None for a plan that never talks to the terminal (a printer check)."""

    def __init__(self, port: str | None, *, emulator: Any = None, printer: str | None = None,
                 driver_options: dict[str, Any] | None = None,
                 settings: TerminalSettings | None = None) -> None:
        self.port = port
        self.settings = settings
        self.emulator = emulator
        self.printer_address = printer
        self.driver_options = dict(driver_options or {})
        self.emulated_printer: Any = None
        self._stack = contextlib.ExitStack()
        self._terminal: Any = None
        self._printer: Any = None

    @classmethod
    def for_port(cls, port: str | None, *, printer: str | None = None,
                 settings: TerminalSettings | None = None) -> Bench:
        """A bench for PORT; a sim port gets an emulator built here, so we keep its handle."""
        from posdiag.link.ports import parse_port
        from posdiag.terminals import build_emulator

        if port is None:
            return cls(None, printer=printer, settings=settings)
        spec = parse_port(port)
        emulator = build_emulator(spec.options) if spec.kind == "sim" else None
        return cls(port, emulator=emulator, printer=printer, settings=settings)

    def emulated_devices(self) -> frozenset[str]:
        """Which of the bench's devices are emulated: only for those may the emulated person
        answer (swipe, type, look at the paper)."""
        devices = set()
        if self.emulator is not None:
            devices.add("terminal")
        if self.printer_address == "sim":
            devices.add("printer")
        return frozenset(devices)

    def terminal_printout_count(self) -> int:
        """How many receipts the terminal's own printer has printed, where posdiag can see
        its paper: the emulator's; a real terminal's paper is for a person's eyes (0)."""
        return len(self.emulator.printer.printed) if self.emulator is not None else 0

    def terminal_printout(self, since: int) -> list[dict[str, Any]]:
        """The receipts the terminal's own printer printed after the first ``since``, as the
        record keeps them (source "terminal-printer"); [] for a real terminal."""
        if self.emulator is None:
            return []
        from posdiag.drivers.zvt.receipts import RECEIPT_KINDS

        return [{"kind": RECEIPT_KINDS.get(r.kind, "unknown"), "source": "terminal-printer",
                 "lines": [line.text for line in r.lines]}
                for r in list(self.emulator.printer.printed)[since:]]

    @property
    def terminal(self) -> Any:
        if self._terminal is None:
            from posdiag.terminals import open_terminal

            if self.port is None:
                raise UsageError(_("this step talks to the terminal but no --port was given; "
                                   "give the terminal's port."))

            options = dict(self.driver_options)
            if self.emulator is not None:
                options["emulator"] = self.emulator
            self._terminal = self._stack.enter_context(
                open_terminal(self.port, settings=self.settings, **options))
        return self._terminal

    @property
    def printer(self) -> Any:
        """The ESC/POS printer of the plan ([plan] printer); "sim" starts an emulated one."""
        if self._printer is None:
            from posdiag.drivers.escpos.printer import EscposPrinter

            if not self.printer_address:
                raise UsageError(_("this step prints on a receipt printer but the "
                                   "plan names none; set printer = "
                                   "\"usb://VID:PID\", \"tcp://HOST\" or \"sim\"."))
            address = self.printer_address
            if address == "sim":
                address = self._start_emulated_printer()
            printer = EscposPrinter(address)
            printer.open()
            self._stack.callback(printer.close)
            self._printer = printer
        return self._printer

    def _start_emulated_printer(self) -> str:
        from posdiag.emulator.printer import EmulatedPrinter, TcpPrinterServer

        self.emulated_printer = EmulatedPrinter()
        faults = getattr(self.emulator, "faults", None)  # sim:fault=paper-out reaches it too
        for name in ("paper_out", "cover_open"):
            if faults is not None and getattr(faults, name, False):
                self.emulated_printer.set_fault(name)
        server = TcpPrinterServer(self.emulated_printer, port=0)
        server.start()
        self._stack.callback(server.stop)
        host, port = server.address
        return f"tcp://{host}:{port}"

    def close(self) -> None:
        self._stack.close()
        if self.emulator is not None and self._terminal is None:
            self.emulator.stop()  # built but never opened: open_terminal did not own it


@dataclass
class RunState:
    """What steps hand on to later steps of the same run."""

    expect: dict[str, Any] = field(default_factory=dict)  # the plan's [expect]
    cards: dict[str, Any] | None = None  # test-card profiles, loaded once
    cards_file: str | None = None
    identity: dict[str, Any] | None = None
    last_payment_receipt: int | None = None
    last_payment_amount: int | None = None


@dataclass
class StepContext:
    bench: Bench
    operator: Operator
    spec: StepSpec
    state: RunState
    on_prompt: Callable[[PromptRecord], None] = lambda _p: None
    measurements: list[Measurement] = field(default_factory=list)
    prompts: list[PromptRecord] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> dict[str, Any]:
        return self.spec.options

    @property
    def terminal(self) -> Any:
        terminal = self.bench.terminal
        terminal.on_status = self._terminal_status
        return terminal

    def _terminal_status(self, text: str) -> None:
        self.data.setdefault("terminal_display", []).append(mask_text(text))
        self.operator.show_status(mask_text(text))

    @property
    def expect(self) -> dict[str, Any]:
        return self.state.expect

    def card(self, name: str) -> Any:
        """A test-card profile (the loader already checked the name exists)."""
        if self.state.cards is None:
            from posdiag.testcards import load_test_cards

            self.state.cards = load_test_cards(self.state.cards_file)
        return self.state.cards[name]

    def cards_file_shown(self) -> str:
        """The test-card file in use, as a person can find it without a local path (the
        prompt is kept in the record, which goes to people who do not have this machine's
        folders): the plan's file by its name, else the shipped testplans/cards.toml."""
        if self.state.cards_file:
            return Path(self.state.cards_file).name
        return "testplans/cards.toml"

    def fail(self, message: str) -> StepFailed:
        return StepFailed(message)

    def note(self, key: str, value: Any) -> None:
        self.data[key] = value

    def measure(self, name: str, value: float, units: str = "s") -> None:
        self.measurements.append(Measurement(name, round(value, 4), units,
                                             self.spec.limits.get(name)))

    @contextlib.contextmanager
    def timed(self, name: str = "seconds") -> Iterator[None]:
        """Measure the seconds the block takes (also when it fails)."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.measure(name, time.monotonic() - start)

    def instruct(self, purpose: str, text: str, *, action: str = "", card: str = "") -> Answer:
        prompt = Prompt(f"{self.spec.name}.{purpose}", "instruct", text, self.spec.timeout,
                        action, card)
        return self._ask(prompt, self.operator.instruct)

    def confirm(self, purpose: str, text: str,
                check: Callable[[], tuple[bool, str]] | None = None, *, action: str = "",
                item: str = "", expected: str = "", look: Look | None = None) -> Answer:
        prompt = Prompt(f"{self.spec.name}.{purpose}", "confirm", text, self.spec.timeout,
                        action=action, check=check, item=item, expected=expected, look=look)
        return self._ask(prompt, self.operator.confirm)

    def enter(self, purpose: str, text: str, *, action: str = "", item: str = "") -> Answer:
        """Ask the person to type something they read (the label's serial number)."""
        prompt = Prompt(f"{self.spec.name}.{purpose}", "enter", text, self.spec.timeout,
                        action=action, item=item)
        return self._ask(prompt, self.operator.enter)

    def _asked(self, prompt: Prompt) -> str:
        """The backend a prompt went to (a router names the one it chose)."""
        backend_for = getattr(self.operator, "backend_for", None)
        return str(backend_for(prompt).name) if backend_for else self.operator.name

    def _ask(self, prompt: Prompt, how: Callable[[Prompt], Answer]) -> Answer:
        from posdiag.plan.steps import step_device

        prompt = dataclasses.replace(prompt, device=step_device(self.spec))
        at, start = utc_now(), time.monotonic()
        answer: Answer | None = None
        try:
            answer = how(prompt)
            return answer
        finally:
            record = PromptRecord(
                id=prompt.id, kind=prompt.kind, text=mask_text(prompt.text),
                answer=(mask_text(answer.text) if prompt.kind == "enter" else answer.answer)
                if answer else None,
                by=answer.by if answer else self._asked(prompt), at=at,
                seconds=round(time.monotonic() - start, 4),
                reason=mask_text(answer.reason) if answer else "")
            self.prompts.append(record)
            self.on_prompt(record)
