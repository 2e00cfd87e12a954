"""Opening a case: who, which terminal, what is wrong, what the terminal says, which warranty.

The terminal is read first (identity and diagnostics, nothing changed on it). A terminal that
does not answer stops the opening with one sentence pointing to ``--no-terminal``; with it the
identity comes from the label (typed by hand, flagged as such), what was tried on the port is
kept as the diagnostic result, and the case goes straight to ``backup-impossible``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case import states
from posdiag.case.actions import Actor, act
from posdiag.case.attachments import copy_attachment
from posdiag.case.categories import category, frequency
from posdiag.case.diagnostics import gather, probe_terminal, terminal_info
from posdiag.case.ids import claim_case_folder, terminal_key
from posdiag.case.model import Case, Diagnostics, Fault, Merchant, Technician, TerminalInfo
from posdiag.case.profiles import KitProfile, MerchantProfile
from posdiag.case.store import CaseFile, write_revision
from posdiag.case.warranty import judge_warranty, merged_addressees
from posdiag.errors import BadInput, DeviceError, UsageError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey
    from posdiag.devices import TerminalIdentity

CASES_FOLDER = "cases"  # under the posdiag configuration (kit state) folder
STICK_CASES_FOLDER = "posdiag-cases"  # on a backup stick, beside the backup sets


@dataclass(frozen=True, slots=True)
class HandIdentity:
    """What the technician typed from the label of a terminal that no longer answers."""

    manufacturer: str = ""
    model: str = ""
    serial_number: str = ""
    terminal_id: str = ""
    merchant_id: str = ""
    software_version: str = ""
    acquirer: str = ""


@dataclass(frozen=True, slots=True)
class Opening:
    """Everything ``case open`` was told."""

    root: Path
    fault: Fault
    port: str | None = None
    no_terminal: bool = False
    hand: HandIdentity = field(default_factory=HandIdentity)
    merchant_profile: MerchantProfile | None = None
    merchant: dict[str, str] = field(default_factory=dict)  # fields given on the command line
    kit_profile: KitProfile = field(default_factory=lambda: KitProfile(path=""))
    technician: Technician | None = None
    purchased: date | None = None
    installed: date | None = None
    warranty_months: int | None = None
    attachments: tuple[Path, ...] = ()
    backup_impossible: str = ""  # the reason, with --no-terminal (a default is given)
    complete_later: bool = False  # the field kit opens cases without a merchant: edit later
    terminal_options: dict[str, Any] = field(default_factory=dict)  # password, baud, charset


def default_root(kit_profile: KitProfile | None = None, config_dir: Path | None = None) -> Path:
    """Where new cases go: the kit profile's [cases] root, else the posdiag state folder."""
    from posdiag.backup.kitkey import config_dir as posdiag_config_dir

    if kit_profile is not None and kit_profile.cases_root is not None:
        return kit_profile.cases_root
    return posdiag_config_dir(config_dir) / CASES_FOLDER


def check_fault(fault: Fault) -> Fault:
    category(fault.category)
    if fault.frequency:
        frequency(fault.frequency)
    if fault.since:
        try:
            datetime.fromisoformat(fault.since)
        except ValueError:
            raise BadInput(_("--since {value!r} is not a date; write it as 2026-11-28 (or "
                             "2026-11-28T14:30).").format(value=fault.since)) from None
    return fault


def actor_for(opening_technician: Technician | None, kit_profile: KitProfile) -> Actor:
    if opening_technician is not None and opening_technician.name:
        return Actor(opening_technician)
    if kit_profile.technician.name:
        return Actor(kit_profile.technician)
    return Actor()


def open_case(opening: Opening, kit_key: KitKey, *, terminal: Any = None,
              identity: TerminalIdentity | None = None, actor: Actor | None = None,
              today: date | None = None) -> CaseFile:
    """Read the terminal (or take the hand identity), then write revision 1 of a new case.

    ``terminal``: an already opened terminal (the field kit has one); else ``opening.port`` is
    opened here. DeviceError when a terminal that should answer does not."""
    check_fault(opening.fault)
    actor = actor or actor_for(opening.technician, opening.kit_profile)
    profile = opening.merchant_profile
    read_identity, diagnostics = _read_terminal(opening, terminal, identity)
    now = actor.now()
    if read_identity is not None:
        old = terminal_info(read_identity, opening.port or "", read_at=now,
                            manufacturer=opening.hand.manufacturer or (
                                profile.manufacturer if profile else ""),
                            model=opening.hand.model or (profile.model if profile else ""),
                            acquirer=opening.hand.acquirer or (profile.acquirer if profile
                                                               else ""))
    else:
        old = _hand_terminal(opening)
    merchant, notes = _merchant(opening, old)
    incomplete = [name for name, missing in (("merchant", not merchant.name),
                                             ("fault description",
                                              not opening.fault.description)) if missing]
    opened_on = today or date.today()
    start, start_kind = _warranty_start(opening)
    months = opening.warranty_months
    if months is None and profile is not None:
        months = profile.warranty_months
    if months is None:
        months = opening.kit_profile.warranty_months
    warranty = judge_warranty(opened_on, start=start, start_kind=start_kind, months=months,
                              addressees=merged_addressees(profile, opening.kit_profile),
                              manufacturer_name=old.manufacturer)
    key = terminal_key(old.terminal_id, old.serial_number)
    case_id, folder = claim_case_folder(opening.root, opened_on, key)
    try:
        case = Case(case_id=case_id, state="", opened=now, technician=actor.technician,
                    merchant=merchant, old_terminal=old, fault=opening.fault,
                    warranty=warranty, diagnostics=diagnostics)
        case = act(case, actor, "opened", to_state=states.OPEN, details={
            "identity": old.source, "port": opening.port or "", "notes": notes,
            "merchant_profile": profile.path if profile else "",
            "kit_profile": opening.kit_profile.path, "to_complete": incomplete})
        case = add_attachments(case, folder, actor, opening.attachments)
        if opening.no_terminal:
            reason = opening.backup_impossible or _(
                "the terminal does not answer; its identity was entered from the label")
            case = act(case, actor, "backup-impossible", to_state=states.BACKUP_IMPOSSIBLE,
                       reason=reason, backup_impossible=reason)
        return write_revision(folder, case, kit_key, now=actor.now, host=actor.host)
    except BaseException:
        _remove_unwritten(folder)
        raise


def _remove_unwritten(folder: Path) -> None:
    """A case folder that never got its first revision is not a case: take it away again."""
    import shutil

    if not any(folder.glob("case-*.json")):
        shutil.rmtree(folder, ignore_errors=True)


def add_attachments(case: Case, folder: Path, actor: Actor, files: tuple[Path, ...]) -> Case:
    for source in files:
        attachment = copy_attachment(folder, source, added=actor.now())
        if any(a.sha256 == attachment.sha256 for a in case.attachments):
            continue
        case = act(case, actor, "attached", details={"name": attachment.name,
                                                      "sha256": attachment.sha256},
                   attachments=(*case.attachments, attachment))
    return case


def _read_terminal(opening: Opening, terminal: Any, identity: TerminalIdentity | None
                   ) -> tuple[TerminalIdentity | None, Diagnostics | None]:
    if terminal is not None:
        return gather(terminal, opening.port or "", identity)
    if opening.no_terminal:
        if not opening.port:
            return None, None
        found, diagnostics = probe_terminal(opening.port, options=opening.terminal_options)
        if found is not None:
            raise UsageError(_("The terminal on {port} answers; open the case without "
                               "--no-terminal so that its identity is read, not typed.").format(
                                   port=opening.port))
        return None, diagnostics
    if not opening.port:
        raise UsageError(_("Give the terminal's --port, or --no-terminal with its --model, "
                           "--serial and --tid when it no longer answers."))
    found, diagnostics = probe_terminal(opening.port, options=opening.terminal_options)
    if found is None:
        tried = diagnostics.probes[-1].error if diagnostics.probes else ""
        raise DeviceError(_("The terminal on {port} does not answer ({error}); if it is dead, "
                            "open the case with --no-terminal and the --model, --serial and "
                            "--tid from its label.").format(port=opening.port,
                                                            error=tried.rstrip(".")))
    return found, diagnostics


def _hand_terminal(opening: Opening) -> TerminalInfo:
    hand = opening.hand
    profile = opening.merchant_profile
    if not (hand.serial_number or hand.terminal_id):
        raise BadInput(_("With --no-terminal give at least --serial or --tid from the "
                         "terminal's label."))
    model = hand.model or (profile.model if profile else "")
    if not model:
        raise BadInput(_("With --no-terminal give the terminal's --model (from its label or "
                         "the merchant's papers)."))
    return TerminalInfo(
        source="hand", manufacturer=hand.manufacturer or (profile.manufacturer if profile
                                                          else ""),
        model=model, serial_number=hand.serial_number, terminal_id=hand.terminal_id,
        merchant_id=hand.merchant_id or (profile.merchant.merchant_number if profile else ""),
        software_version=hand.software_version,
        acquirer=hand.acquirer or (profile.acquirer if profile else ""))


def _merchant(opening: Opening, old: TerminalInfo) -> tuple[Merchant, list[str]]:
    base = opening.merchant_profile.merchant if opening.merchant_profile else Merchant()
    given = {k: v for k, v in opening.merchant.items() if v}
    merchant = replace(base, **given)
    notes = []
    if old.source == "read" and old.merchant_id:
        if merchant.merchant_number and merchant.merchant_number != old.merchant_id:
            notes.append(_("the profile gives merchant number {given}; the terminal reports "
                           "{read}, which the case keeps").format(
                               given=merchant.merchant_number, read=old.merchant_id))
        merchant = replace(merchant, merchant_number=old.merchant_id)
    if not merchant.name and not opening.complete_later:
        raise BadInput(_("The case needs the merchant's name: give --merchant PROFILE.toml or "
                         "--merchant-name."))
    return merchant, notes


def _warranty_start(opening: Opening) -> tuple[date | None, str]:
    profile = opening.merchant_profile
    if opening.purchased:
        return opening.purchased, "purchase"
    if opening.installed:
        return opening.installed, "installation"
    if profile is not None and profile.purchased:
        return profile.purchased, "purchase"
    if profile is not None and profile.installed:
        return profile.installed, "installation"
    return None, ""
