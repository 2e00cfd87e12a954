"""Faults the emulated terminal can be told to inject (``--fault SPEC``, ``sim:fault=A+B``).

    disconnect@N   the link drops once after the terminal has sent N bytes; a new
                   connection works
    restart@N      the terminal reboots once after it has sent N bytes: the dialog is
                   lost, it is silent while it boots and comes back at its configured rate
    noise=P        each byte on the line (both directions) corrupted with probability P
    nak=N          the terminal NAKs every Nth frame it receives (serial)
    delay=MS       extra latency before every frame the terminal sends
    silent         the terminal answers nothing at all
    drop-ack=N     the terminal swallows its ACK for every Nth frame it receives (serial)
    paper-out      the printer has no paper
    cover-open     the printer cover is open
    card-misread   the card reader cannot read the card
    pin-timeout    nobody types the PIN: the PIN pad times out
    host-offline   the host cannot be reached: Diagnosis 06 70 ends with 06 1E A3
    tampered       the casing was opened: a seal is broken and an extra wire shows
                   (what the arrival inspection of a replacement must catch)

All randomness comes from the emulator's seed, so a fault run is repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from posdiag.errors import BadInput
from posdiag.i18n import _

FLAGS = ("silent", "paper-out", "cover-open", "card-misread", "pin-timeout", "host-offline",
         "tampered")


@dataclass(frozen=True, slots=True)
class Faults:
    disconnect_after: int | None = None
    restart_after: int | None = None
    noise: float = 0.0
    nak_every: int = 0
    drop_ack_every: int = 0
    delay_ms: int = 0
    silent: bool = False
    paper_out: bool = False
    cover_open: bool = False
    card_misread: bool = False
    pin_timeout: bool = False
    host_offline: bool = False
    tampered: bool = False

    @property
    def any_link_fault(self) -> bool:
        return bool(self.disconnect_after is not None or self.restart_after is not None
                    or self.noise or self.delay_ms)


def parse_faults(specs: list[str] | tuple[str, ...] | str | None) -> Faults:
    """Parse fault spellings; several may be joined with '+' or given repeatedly."""
    if specs is None:
        return Faults()
    if isinstance(specs, str):
        specs = [specs]
    faults = Faults()
    for spec in specs:
        for item in filter(None, (s.strip() for s in spec.split("+"))):
            faults = _apply(faults, item)
    return faults


def _apply(faults: Faults, item: str) -> Faults:
    try:
        if item.startswith("disconnect@"):
            return replace(faults, disconnect_after=_non_negative(int(item[11:])))
        if item.startswith("restart@"):
            return replace(faults, restart_after=_non_negative(int(item[8:])))
        if item.startswith("noise="):
            p = float(item[6:])
            if not 0.0 <= p <= 1.0:
                raise ValueError
            return replace(faults, noise=p)
        if item.startswith("nak="):
            return replace(faults, nak_every=_positive(int(item[4:])))
        if item.startswith("drop-ack="):
            return replace(faults, drop_ack_every=_positive(int(item[9:])))
        if item.startswith("delay="):
            return replace(faults, delay_ms=_non_negative(int(item[6:])))
    except ValueError as err:
        raise BadInput(_("fault {item!r} has a bad value; see `posdiag simulate "
                         "--help`.").format(item=item)) from err
    if item in FLAGS:
        return replace(faults, **{item.replace("-", "_"): True})
    raise BadInput(_("unknown fault {item!r}; known: disconnect@N, restart@N, "
                     "noise=P, nak=N, drop-ack=N, delay=MS, {flags}.").format(
                       item=item, flags=', '.join(FLAGS)))


def _positive(n: int) -> int:
    if n < 1:
        raise ValueError
    return n


def _non_negative(n: int) -> int:
    if n < 0:
        raise ValueError
    return n
