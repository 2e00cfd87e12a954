"""What an emulated terminal is and holds, apart from how it is reached.

``TerminalCore`` is the state every command handler works on: configuration, faults, the
status and registration the ECR set up, the books (ledger), the printer, the payment devices
(card reader and the person, PIN pad, host) and the terminal's clock. It knows no line, no
session and no handler module; those sit on the floors above (session.py, handlers*.py,
terminal.py), so the emulator's files import downwards only.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.faults import Faults
from posdiag.emulator.host import Host
from posdiag.emulator.ledger import Ledger
from posdiag.emulator.operator import Casing, Operator, PresentedCard
from posdiag.emulator.pinpad import PinPad
from posdiag.emulator.receipts import Printer, Receipt, ReceiptLine

if TYPE_CHECKING:
    from posdiag.drivers.zvt.apdu import Apdu

# A handler answers one ECR command on a session (session.py); the core only keeps the table.
Handler = Callable[[Any, "Apdu"], None]


@dataclass
class Registration:
    """What the ECR asked for in Registration 06 00 (reset by Log-Off and by a restart)."""

    config_byte: int = 0x86  # the value Log-Off restores (PA00P015 §2.2)
    currency: int | None = None
    tlv_enabled: bool = False
    permitted: frozenset[tuple[int, int]] = frozenset()
    max_apdu: int | None = None  # TLV 1A: the largest APDU the ECR accepts

    @property
    def wants_intermediate_status(self) -> bool:
        return bool(self.config_byte & 0x08)

    @property
    def ecr_prints(self) -> bool:
        """Receipts travel to the ECR as 06 D1/06 D3 (config bits 02/04 and 80)."""
        return bool(self.config_byte & 0x80) and bool(self.config_byte & 0x06)

    @property
    def text_blocks(self) -> bool:
        return (0x06, 0xD3) in self.permitted


@dataclass
class TerminalStatus:
    status: int = 0x00  # §11 terminal status: 00 ready
    registered: Registration = field(default_factory=Registration)
    commands_seen: list[tuple[int, int]] = field(default_factory=list)
    display: tuple[str, ...] = ()  # lines of the last Display Text 06 E0


@dataclass
class PaymentDevices:
    """Card reader, PIN pad, host and the person at the terminal."""

    operator: Operator
    pinpad: PinPad
    host: Host
    card_timeout: float = 30.0  # s the terminal waits for a card in a payment (PT default)
    pin_timeout: float = 30.0  # s it waits for the PIN
    today: Callable[[], date] | None = None  # None: the terminal's clock (tests may pin it)
    last_read: PresentedCard | None = None  # card data of the last Read Card (payment type 02)
    ecr_lines: list[ReceiptLine] = field(default_factory=list)  # 06 D1 lines not yet a receipt


class TerminalCore:
    """The terminal's state; one instance per emulated terminal, no globals."""

    def __init__(self, config: TerminalConfig | None = None, *, faults: Faults | None = None,
                 seed: int = 0, journal: int = 0, operator: str = "auto",
                 handlers: dict[tuple[int, int], Handler] | None = None) -> None:
        self.config = config or TerminalConfig()
        self.faults = faults or Faults()
        self.seed = seed
        self.rng = random.Random(seed)
        self.state = TerminalStatus()
        self.handlers: dict[tuple[int, int], Handler] = dict(handlers or {})
        self.lock = threading.RLock()  # one dialog at a time, like a real PT
        self.stopping = False
        self.frames_received = 0
        self.operator_mode = operator
        self.clock_offset = 0.0  # seconds the terminal's clock is ahead of the host's
        # The receipts of the last transaction or end-of-day, for Repeat Receipt 06 20.
        self.last_receipts: tuple[Receipt, ...] = ()
        self.ledger = Ledger(self.config.terminal_id, self.config.currency)
        if journal:
            self.ledger.generate(journal, seed)
        self.printer = Printer(paper_out=self.faults.paper_out, cover_open=self.faults.cover_open)
        self.payment = PaymentDevices(Operator(operator, printer=self.printer), PinPad(seed=seed),
                                      Host(seed))
        self.payment.operator.casing = self.casing()

    def casing(self) -> Casing:
        """The outside of this terminal, as the person in front of it sees it."""
        config = self.config
        signs = ("an extra wire at the card slot",) if self.faults.tampered else ()
        return Casing(config.label_serial or config.serial_number, config.device_name,
                      seals_intact=not self.faults.tampered, tamper_signs=signs)

    # --- the clock ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The terminal's clock: what Set Date/Time 06 91 (or the host) set it to."""
        return datetime.now() + timedelta(seconds=self.clock_offset)

    def set_clock(self, when: datetime) -> None:
        self.clock_offset = (when - datetime.now()).total_seconds()

    # --- bookkeeping -------------------------------------------------------------------------

    def log_command(self, command: Apdu) -> None:
        self.state.commands_seen.append(command.command)

    def frame_verdict(self) -> str:
        """Serial frame faults: NAK every Nth frame, or lose the ACK of every Nth."""
        self.frames_received += 1
        n = self.frames_received
        if self.faults.nak_every and n % self.faults.nak_every == 0:
            return "nak"
        if self.faults.drop_ack_every and n % self.faults.drop_ack_every == 0:
            return "lost-ack"
        return "ack"

    def restart(self) -> None:
        """What a reboot forgets: the ECR's registration and any half-built receipt."""
        self.state.registered = Registration()
        self.payment.ecr_lines.clear()
