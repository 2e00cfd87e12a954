"""The step kinds a plan may use: their options, measurements and the function that runs them.

The loader validates a plan against ``KINDS`` before any device is touched; the runner calls
``KINDS[kind].run(context, spec)``. Each run function lives in a small module by subject
(terminal.py, cards.py, printing.py, payment.py, checklist.py) and maps to calls of the
Terminal interface or to questions for the person at the bench.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posdiag.plan.context import StepContext
    from posdiag.plan.model import StepSpec

IDENTITY_FIELDS = ("terminal_id", "merchant_id", "currency", "device_name", "serial_number",
                   "software_version")
# The arrival inspection of a replacement (checklist.py): what a technician checks before
# trusting a terminal that came in the post.
CHECKLIST_ITEMS = ("seals", "no-tampering", "serial-label", "model")


TypeSpec = type | tuple[type, ...]  # a field named "type" below shadows the builtin


@dataclass(frozen=True, slots=True)
class Option:
    """One kind-specific step key: its type, whether it is required, its default."""

    type: TypeSpec
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    items: TypeSpec | None = None  # element type when type is list


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    target: str  # "module:function" under posdiag.plan.steps, imported when a step runs
    summary: str
    timeout: float  # default seconds per attempt
    measurements: dict[str, str] = field(default_factory=dict)  # name -> units
    options: dict[str, Option] = field(default_factory=dict)

    @property
    def run(self) -> Callable[[StepContext, StepSpec], None]:
        module, function = self.target.split(":")
        return getattr(import_module(f"posdiag.plan.steps.{module}"), function)  # type: ignore[no-any-return]


_SECONDS = {"seconds": "s"}

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("identify", "terminal:identify", "identity read, status must be ready", 15.0,
         _SECONDS),
    Kind("checklist", "checklist:checklist",
         "arrival inspection: seals, no tamper signs, label serial = reported serial, model",
         300.0, _SECONDS, {
             "items": Option(list, default=list(CHECKLIST_ITEMS), items=str,
                             choices=CHECKLIST_ITEMS),
             "questions": Option(list, default=[], items=str),
             "model": Option(str, default=""),
         }),
    Kind("identity-match", "terminal:identity_match",
         "TID, merchant and currency equal the replaced terminal's (case or backup set) or the "
         "expected values", 15.0,
         _SECONDS, {
             "source": Option(str, default="backup", choices=("backup", "expect", "replaced")),
             "backup": Option(str),
             "fields": Option(list, default=["terminal_id", "merchant_id", "currency"],
                              items=str, choices=IDENTITY_FIELDS),
         }),
    Kind("card-swipe", "cards:card_swipe", "Read Card 06 C0 compared with a test-card profile",
         30.0, _SECONDS, {
             "card": Option(str, required=True),
             "how": Option(str, default="swipe", choices=("swipe", "insert")),
         }),
    Kind("pin-entry", "cards:pin_entry",
         "06 E7 DUKPT numeric input, decrypted here and compared with the asked PIN", 30.0,
         _SECONDS, {
             "card": Option(str, required=True),
             "engine": Option(str, default="tdes", choices=("tdes", "aes")),
         }),
    Kind("receipt-print", "printing:receipt_print",
         "a test receipt printed, printer status checked, operator confirms", 30.0,
         _SECONDS, {
             "device": Option(str, default="terminal", choices=("terminal", "printer")),
             "lines": Option(list, items=str),
         }),
    Kind("payment", "payment:payment", "a small test payment, approved, receipt checked", 60.0,
         _SECONDS, {
             "card": Option(str, required=True),
             "amount": Option(int, required=True),
         }),
    Kind("reversal", "payment:reversal", "reversal 06 30 of the plan's last payment", 60.0,
         _SECONDS),
    Kind("display", "terminal:display", "Display Text 06 E0, operator confirms", 30.0,
         _SECONDS, {
             "text": Option(list, required=True, items=str),
             "duration": Option(int, default=10),
         }),
    Kind("end-of-day", "terminal:end_of_day", "End-of-Day 06 50: closes the batch", 120.0,
         _SECONDS, {
             "confirm": Option(bool, required=True),
         }),
)}

# The devices a prompt can be about: who may answer it depends on whether it is emulated.
TERMINAL, PRINTER = "terminal", "printer"


def step_device(spec: StepSpec) -> str:
    """The device a step's prompts are about: its ESC/POS printer, else the terminal."""
    if spec.kind == "receipt-print" and spec.options.get("device") == PRINTER:
        return PRINTER
    return TERMINAL


def talks_to_terminal(spec: StepSpec) -> bool:
    """Whether the step opens the terminal (a printer check or a casing-only checklist
    does not)."""
    if spec.kind == "checklist":
        return "serial-label" in spec.options.get("items", ())
    return step_device(spec) == TERMINAL


MAX_PAYMENT_CENTS = 1000  # a test payment is small: at most 10.00 in the terminal's currency
