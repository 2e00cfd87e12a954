"""ZvtTerminal: the posdiag Terminal interface spoken in ZVT (ECR side).

Each method runs one dialog (dialog.py) with a typed command (messages_ecr.py)
and turns the terminal's messages into posdiag records, or a typed error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Self

from posdiag.devices import DiagnosisResult, PrintedReceipt, TerminalIdentity
from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt import messages_ecr as cmd
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.books import BookCommands
from posdiag.drivers.zvt.charsets import CP437, announced_codec
from posdiag.drivers.zvt.codes import (
    intermediate_status_text,
    result_text,
    terminal_status_text,
)
from posdiag.drivers.zvt.dialog import (
    T3,
    T4,
    DialogResult,
    End,
    Responder,
    StopRequest,
    run_dialog,
    settle,
)
from posdiag.drivers.zvt.linespeed import LineSpeed
from posdiag.drivers.zvt.messages import decode_message
from posdiag.drivers.zvt.messages_base import Message, int_node
from posdiag.drivers.zvt.messages_pt import (
    AbortFromTerminal,
    Completion,
    IntermediateStatus,
    SetDateTimeInEcr,
    StatusEnquiryCompletion,
)
from posdiag.drivers.zvt.payments import PaymentCommands
from posdiag.drivers.zvt.receipts import ReceiptCollector
from posdiag.drivers.zvt.transport import T2, ApduTransport, SerialTransport, TcpTransport
from posdiag.errors import (
    LinkClosed,
    LinkError,
    PasswordRefused,
    ProtocolError,
    TerminalRefused,
    TransmissionError,
)
from posdiag.i18n import _
from posdiag.link.base import Deadline
from posdiag.link.ports import PortSpec

log = logging.getLogger(__name__)

# Registration: ECR prints payment and admin receipts via print lines (80|04|02), wants
# intermediate status (08), controls payment and admin (10|20) = BE; TLV 26 permits 06 D3.
DEFAULT_CONFIG_BYTE = 0xBE
# Large blocks keep a journal dump near line rate; Read File quarters it on a noisy line.
DEFAULT_MAX_APDU = 4096
RECONNECT_WAIT = 5.0
MAX_BAUD = 115200  # the fastest rate of PA00P015 Table 13
EUR = 978
RC_FUNCTION_NOT_POSSIBLE = 0x83  # also what a PT answers a wrong password with (84 83)


class ZvtTerminal(BookCommands, PaymentCommands, LineSpeed):
    """A terminal reached through a ZVT transport."""

    def __init__(
        self,
        transport: ApduTransport,
        *,
        password: str = "123456",
        currency: int = EUR,
        config_byte: int = DEFAULT_CONFIG_BYTE,
        t3: float = T3,
        t4: float = T4,
        reconnect: Callable[[], ApduTransport] | None = None,
        max_apdu: int = DEFAULT_MAX_APDU,
        charset: str | None = None,
        interrupt: StopRequest | None = None,
        line_rate: int | None = None,
        max_baud: int = MAX_BAUD,
    ) -> None:
        """charset: the codec of the terminal's texts; None uses what it announces (TLV 27),
        else CP437. interrupt: a stop request (Ctrl-C, SIGTERM) every dialog honours by
        ending the terminal's command cleanly, then raising Interrupted. line_rate: the serial
        rate the terminal is at (None on TCP); max_baud: the fastest rate to switch it to for
        long transfers (08 40)."""
        self.interrupt = interrupt
        self.home_rate = self.line_rate = line_rate
        self.max_baud = max_baud
        self.transport = transport
        self.password = password
        self.charset_given = charset
        self.charset_announced: str | None = None
        self.currency = currency
        self.config_byte = config_byte
        self.t3, self.t4 = t3, t4
        self._reconnect = reconnect
        self.max_apdu = max_apdu
        self.registered = False
        self.settled = False  # the line was settled (06 B0) since the connection opened
        self.terminal_id: str | None = None
        self.receipts: list[PrintedReceipt] = []  # everything printed via the ECR
        self.on_status: Callable[[str], None] | None = None  # intermediate texts, for prompts

    @property
    def charset(self) -> str:
        """The codec of print and display texts: given, else announced, else CP437."""
        return self.charset_given or self.charset_announced or CP437

    # --- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        spec: PortSpec,
        *,
        baud: int | None = None,
        t2: float = T2,
        path_source: Callable[[], str] | None = None,
        **options: Any,
    ) -> Self:
        """Open the link a PortSpec names (serial device or URL, tcp:// or tls://).

        fast_line: switch a serial line to the fastest rate the terminal takes right away
        (08 40), for a caller that is about to move a lot (a backup); otherwise the switch
        waits for the first Read File."""
        from posdiag.link.serialport import DEFAULT_BAUD

        options = {k: v for k, v in options.items() if v is not None}
        rate = None if spec.kind in ("tcp", "tls") else baud or DEFAULT_BAUD

        def connect() -> ApduTransport:
            if spec.kind == "tcp":
                from posdiag.link.tcp import open_tcp

                return TcpTransport(open_tcp(spec.host, spec.port))
            if spec.kind == "tls":
                from posdiag.link.tls import TlsOptions, open_tls

                return TcpTransport(open_tls(spec.host, spec.port,
                                             TlsOptions.parse(spec.options)))
            from posdiag.link.serialport import open_serial

            url = path_source() if path_source else spec.url
            return SerialTransport(open_serial(url, rate or DEFAULT_BAUD), t2=t2)

        fast_line = bool(options.pop("fast_line", False))
        terminal = cls(connect(), reconnect=connect, line_rate=rate, **options)
        if fast_line:  # the caller will move much data (a backup): the fast rate at once
            try:
                terminal.use_fastest_rate()
            except BaseException:
                terminal.transport.close()
                raise
        return terminal

    def ready(self) -> None:
        """Before the first command on a connection: settle the line (once)."""
        if not self.settled:
            self.settle_or_find()
            self.settled = True

    def settle_or_find(self) -> None:
        """settle(); a terminal silent at the expected rate is looked for at the others."""
        try:
            self.settle()
        except TransmissionError:
            if not self.find_rate():
                raise

    def settle(self) -> None:
        """End whatever an earlier ECR left running on the terminal (dialog.settle)."""
        if isinstance(self.transport, SerialTransport):
            self.transport.link.read(4096, 0.01)  # bytes already waiting are a dead dialog's
            self.transport.reset()
        settle(self.transport, self.t3)

    def reconnect(self) -> None:
        """Open the link anew after it was lost (cable pulled, socket closed)."""
        if self._reconnect is None:
            raise LinkClosed(_("the link is lost and cannot be reopened; reconnect and retry."))
        self.transport.close()
        deadline = Deadline(RECONNECT_WAIT)
        while True:  # a re-plugged cable takes a moment to show up as a device again
            try:
                self.transport = self._reconnect()
                break
            except LinkError:  # not there yet, or half there (termios on a dying pty: EIO)
                if deadline.expired:
                    raise
                time.sleep(0.1)
        self.registered = False
        self.line_rate = self.home_rate  # a new port starts at the rate asked for
        self.settled = False

    def close(self) -> None:
        """Switch the terminal back to the rate it was found at, then close the link."""
        self.interrupt = None  # an interrupted run still leaves the terminal as it found it
        try:
            self.restore_home_rate()
        except (LinkError, ProtocolError, TerminalRefused) as err:
            log.warning(_("could not switch the terminal back to {home_rate} baud "
                          "({err}); restart it before the shop's till uses it").format(
                            home_rate=self.home_rate, err=err))
        finally:
            self.transport.close()

    # --- the dialog, once ------------------------------------------------------------------

    def run(self, command: Message | Apdu, *, end: End = End.COMPLETION,
            t3: float | None = None, t4: float | None = None,
            responder: Responder | None = None,
            abort_after: float | None = None, abort_raises: bool = True,
            abortable: bool = False) -> DialogResult:
        """Run one dialog; an Abort 06 1E from the terminal raises TerminalRefused
        (unless abort_raises is False: then the caller reads result.final).

        t4 defaults to the terminal's T4 (180 s: people type PINs); commands that need
        no person pass a shorter one, so a dialog the terminal gave up fails fast."""
        apdu = command if isinstance(command, Apdu) else command.to_apdu()
        self.ready()
        collector = ReceiptCollector(self.charset)

        def watch(message: Apdu) -> None:
            collector.feed(message)
            if message.command == IntermediateStatus.COMMAND and self.on_status:
                status = IntermediateStatus.from_apdu(message)
                texts = _display_texts(status, self.charset)
                self.on_status(" ".join(texts) or intermediate_status_text(status.status))

        try:
            result = run_dialog(self.transport, apdu, end=end, t3=t3 or self.t3, t4=t4 or self.t4,
                                on_message=watch, responder=responder, abort_after=abort_after,
                                stop=self.interrupt, abortable=abortable)
        finally:
            self.receipts.extend(collector.close())
        if abort_raises and result.aborted and result.final is not None:
            abort = AbortFromTerminal.from_apdu(result.final)
            detail = f" ({abort.error_text})" if abort.error_text else ""
            raise TerminalRefused(
                _("the terminal aborted {value:02X} {instr:02X}: "
                  "{result_text}{detail}.").format(
                    value=apdu.cls, instr=apdu.instr, result_text=result_text(abort.result_code),
                    detail=detail),
                result_code=abort.result_code,
            )
        return result

    # --- commands of the foundation --------------------------------------------------------

    def register(self) -> Completion:
        """Registration 06 00 with TLV 26 permitting text blocks; remembers the TID."""
        request = cmd.Registration.create(
            self.password, self.config_byte, self.currency, service_byte=0x01,
            tlv=[
                cmd.permitted_commands([(0x06, 0xD3)]),
                int_node(0x12, 0x40),  # receipt width 40 (BCD)
                int_node(0x1A, self.max_apdu, 2),  # largest APDU we take: sizes file blocks
            ],
        )
        try:
            result = self.run(request, t4=self.give_up_time())
        except TerminalRefused as err:
            if err.result_code == RC_FUNCTION_NOT_POSSIBLE:
                raise PasswordRefused(_(
                    "The terminal refused the password (84 83 after 06 00); give its password "
                    "with --password (or password in the plan or kit config)."),
                    result_code=err.result_code) from err
            raise
        completion = Completion.from_apdu(_final(result))
        self.registered = True
        self.terminal_id = completion.terminal_id
        self.charset_announced = announced_codec(completion.tlv)
        return completion

    def ensure_registered(self) -> None:
        if not self.registered:
            self.register()

    def status_enquiry(self) -> StatusEnquiryCompletion:
        result = self.run(cmd.StatusEnquiry.create(self.password), t4=self.give_up_time())
        message = decode_message(_final(result), answering=(0x05, 0x01))
        if not isinstance(message, StatusEnquiryCompletion):
            raise ProtocolError(_("the terminal answered Status Enquiry without a status byte"))
        return message

    def identify(self) -> TerminalIdentity:
        """Registration (TID, currency) + Status Enquiry (device info, software, status)."""
        completion = self.register()
        status = self.status_enquiry()
        device = status.tlv_find(0xE4)
        info: dict[int, bytes] = {}
        if device is not None and isinstance(device.value, tuple):
            info = {n.tag: n.value for n in device.value if isinstance(n.value, bytes)}
        tid_node = status.tlv_find(0x1F44)
        terminal_id = completion.terminal_id
        if terminal_id is None and tid_node is not None and isinstance(tid_node.value, bytes):
            terminal_id = tid_node.value.hex()

        def text(tag: int) -> str | None:
            raw = info.get(tag)
            return raw.decode("cp437", errors="replace").strip() if raw else None

        try:
            merchant = self.merchant_id()
        except TerminalRefused:
            merchant = None  # some terminals refuse 06 10 to the ECR; the identity stands
        return TerminalIdentity(
            merchant_id=merchant,
            device_name=text(0x1F40),
            serial_number=bcd.digits_or_text(info.get(0x1F42, b"")),  # BCD, §9.4.12
            software_version=status.version_text or text(0x1F41),
            terminal_id=terminal_id,
            currency=completion.currency,
            status=status.terminal_status,
            status_text=terminal_status_text(status.terminal_status),
        )

    def status(self) -> tuple[int, str]:
        """The terminal status byte (§11) and its text."""
        status = self.status_enquiry()
        return status.terminal_status, terminal_status_text(status.terminal_status)

    def log_off(self) -> None:
        self.run(cmd.LogOff(), end=End.ACK)
        self.registered = False

    def abort(self) -> None:
        """Abort 06 B0: ask the terminal to end what it is doing."""
        self.run(cmd.AbortCommand(), end=End.ACK)

    def display_text(self, lines: Sequence[str], *, duration: int | None = None) -> None:
        """Display Text 06 E0: show up to 8 lines on the terminal; duration in seconds."""
        self.ensure_registered()
        self.run(cmd.DisplayText.create(list(lines), duration), end=End.ACK)

    def diagnosis(self, diagnosis_type: int | None = None) -> DiagnosisResult:
        """Diagnosis 06 70 (PA00P015 §2.17): the terminal contacts its host, passes the host's
        date and time on (04 01), prints, and ends with 06 0F, or 06 1E <result code> when the
        host could not be reached (a result, not an error)."""
        self.ensure_registered()
        before = len(self.receipts)
        result = self.run(cmd.Diagnosis.create(diagnosis_type), abort_raises=False,
                          t4=self.t4)
        host_time = None
        for message in result.of(*SetDateTimeInEcr.COMMAND):
            host_time = _host_time(SetDateTimeInEcr.from_apdu(message)) or host_time
        final = _final(result)
        code = AbortFromTerminal.from_apdu(final).result_code if result.aborted else 0x00
        return DiagnosisResult(ok=not result.aborted, result_code=code,
                               result_text=result_text(code), diagnosis_type=diagnosis_type,
                               host_time=host_time, receipts=tuple(self.receipts[before:]))

    def print_system_configuration(self) -> list[PrintedReceipt]:
        """06 1A: the terminal prints its configuration (admin receipt)."""
        self.ensure_registered()
        before = len(self.receipts)
        self.run(cmd.PrintSystemConfiguration())
        return self.receipts[before:]


def _display_texts(status: IntermediateStatus, charset: str) -> list[str]:
    """The display lines of an intermediate status (TLV 24 {07 …}) in the terminal's charset."""
    box = status.tlv_find(0x24)
    if box is None or not isinstance(box.value, tuple):
        return []
    return [n.value.decode(charset, errors="replace") for n in box.value
            if n.tag == 0x07 and isinstance(n.value, bytes)]


def _host_time(message: SetDateTimeInEcr) -> str | None:
    """04 01's AA (YYMMDD) and 0C (HHMMSS) as ISO 8601; None when either is missing or bad."""
    date, clock = message.value(0xAA), message.value(0x0C)
    if not (isinstance(date, str) and isinstance(clock, str)):
        return None
    try:
        return datetime.strptime(date + clock, "%y%m%d%H%M%S").isoformat()
    except ValueError:
        return None


def _final(result: DialogResult) -> Apdu:
    if result.final is None:
        raise ProtocolError(_("the dialog ended without a completion"))
    return result.final
