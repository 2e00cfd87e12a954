"""The person at the emulated terminal: swipes or inserts a test card, types the PIN, presses keys.

Tests (Python API) and ``posdiag simulate --control`` (the control socket) queue actions; the
terminal's handlers wait for the ones they need. In ``auto`` mode an empty queue is answered at
once with the default TEST card ("visa") and its PIN, so unattended runs never stall; queued
actions still come first, so a test can swipe another card in auto mode.

Card data (PAN, tracks, PIN) stays in memory here and is never logged.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from posdiag.errors import BadInput
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.emulator.receipts import Printer
    from posdiag.testcards import TestCard

DEFAULT_CARD = "visa"  # the public Visa TEST card of testplans/cards.toml


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # "card", "pin", "ok", "cancel"
    value: str = ""
    how: str = ""  # for cards: "swipe" or "insert"

    def __repr__(self) -> str:  # digits typed on a PIN pad are never shown
        shown = "<hidden>" if self.kind == "pin" else self.value
        return f"Action({self.kind!r}, {shown!r})"


@dataclass(frozen=True, slots=True)
class PresentedCard:
    """A card the operator swiped or inserted."""

    card: TestCard
    how: str  # "swipe" or "insert"


@dataclass(frozen=True, slots=True)
class Casing:
    """What a person sees on the outside of the terminal: its label, its seals, its state."""

    label_serial: str  # the serial number printed on the label
    label_model: str
    seals_intact: bool = True
    tamper_signs: tuple[str, ...] = ()  # e.g. "an extra wire at the card slot"


POLL_SLICE = 0.1  # how often a waiting terminal looks at the ECR line (for Abort 06 B0)
Poll = Callable[[], None]


class Cancelled(Exception):  # an event the handlers catch, never raised past them
    """The operator pressed cancel (STOP) while the terminal waited."""


class Operator:
    """A thread-safe queue of what the person at the terminal does, and the waits on it."""

    def __init__(
        self,
        mode: str = "auto",
        *,
        cards: dict[str, TestCard] | None = None,
        printer: Printer | None = None,
        default_card: str = DEFAULT_CARD,
    ) -> None:
        if mode not in ("auto", "manual"):
            raise BadInput(_("operator mode {mode!r} unknown; use auto or manual.").format(
                               mode=mode))
        self.mode = mode
        self._cards = cards
        self._printer = printer
        self.default_card = default_card
        self._queue: queue.Queue[Action] = queue.Queue()
        self._lock = threading.Lock()
        self.casing: Casing | None = None  # set by the terminal it stands at

    # --- the test cards ----------------------------------------------------------------------

    @property
    def cards(self) -> dict[str, TestCard]:
        with self._lock:
            if self._cards is None:
                from posdiag.testcards import load_test_cards

                self._cards = load_test_cards()
            return self._cards

    def card(self, name: str) -> TestCard:
        try:
            return self.cards[name]
        except KeyError:
            known = ", ".join(sorted(self.cards))
            raise BadInput(_("no test card named {name!r}; known: {known}.").format(
                               name=name, known=known)) from None

    # --- what the person does -----------------------------------------------------------------

    def swipe(self, card_name: str) -> None:
        self.card(card_name)  # fail now, not when the terminal reads it
        self._queue.put(Action("card", card_name, "swipe"))

    def insert(self, card_name: str) -> None:
        self.card(card_name)
        self._queue.put(Action("card", card_name, "insert"))

    def type_pin(self, digits: str, *, confirm: bool = True) -> None:
        """Type digits on the PIN pad; confirm presses OK afterwards (as a person would)."""
        if not (digits.isascii() and digits.isdigit()):
            raise BadInput(_("a PIN pad takes digits only."))
        self._queue.put(Action("pin", digits))
        if confirm:
            self.press_ok()

    def press_ok(self) -> None:
        self._queue.put(Action("ok"))

    def press_cancel(self) -> None:
        self._queue.put(Action("cancel"))

    def open_cover(self) -> None:
        if self._printer is not None:
            self._printer.cover_open = True

    def close_cover(self) -> None:
        if self._printer is not None:
            self._printer.cover_open = False

    def clear(self) -> None:
        """Forget queued actions (e.g. between tests)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    # --- what the person sees (arrival inspection) -------------------------------------------

    def read_label(self) -> str:
        """The serial number as the person reads it off the label."""
        return self.casing.label_serial if self.casing else ""

    def inspect(self, item: str, *, expected_model: str = "") -> tuple[bool, str]:
        """(yes?, what is wrong) for one arrival check, as a careful person would answer it."""
        casing = self.casing
        if casing is None:
            return False, "no terminal to look at"
        if item == "seals":
            return casing.seals_intact, "" if casing.seals_intact else "a seal is broken"
        if item == "no-tampering":
            return not casing.tamper_signs, "; ".join(casing.tamper_signs)
        if item == "model":
            # A person matches "EMU-700" with a label reading "posdiag EMU-700 (emulated)".
            wanted, label = expected_model.strip().lower(), casing.label_model.strip().lower()
            same = not wanted or wanted in label or label in wanted
            return same, "" if same else f"the label says {casing.label_model}"
        return True, ""  # a question of the plan's own: nothing wrong to be seen

    # --- what the terminal waits for ----------------------------------------------------------

    def _next(self, deadline: float | None, poll: Poll | None = None) -> Action | None:
        """The next queued action, or None when the queue is empty (auto) or time ran out.

        poll is called between short waits; it raises Cancelled when the ECR aborts."""
        if self.mode == "auto":
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                return None
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            wait = remaining
            if poll is not None:
                wait = POLL_SLICE if remaining is None else min(remaining, POLL_SLICE)
            try:
                return self._queue.get(timeout=wait)
            except queue.Empty:
                if remaining is not None and wait is not None and remaining <= wait:
                    return None
            if poll is not None:
                poll()

    def wait_card(self, timeout: float | None, poll: Poll | None = None) -> PresentedCard | None:
        """The card presented next; None on time-out. Raises Cancelled on the cancel key.

        Stray PIN digits or OK presses before a card are ignored, like on a real terminal.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            action = self._next(deadline, poll)
            if action is None:
                if self.mode == "auto":
                    return PresentedCard(self.card(self.default_card), "insert")
                return None
            if action.kind == "cancel":
                raise Cancelled
            if action.kind == "card":
                return PresentedCard(self.card(action.value), action.how)

    def wait_pin(self, timeout: float | None, poll: Poll | None = None) -> str | None:
        """Digits typed and confirmed with OK; None on time-out. Raises Cancelled on cancel.

        In auto mode an empty queue types the default test card's PIN (1234), whatever card
        was presented: a profile with another PIN (mastercard_other_pin) is then a wrong PIN.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        digits = ""
        while True:
            action = self._next(deadline, poll)
            if action is None:
                if self.mode == "auto":
                    return digits or self.card(self.default_card).pin
                return None
            if action.kind == "cancel":
                raise Cancelled
            if action.kind == "pin":
                digits += action.value
            elif action.kind == "ok" and digits:
                return digits
