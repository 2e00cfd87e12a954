"""The case's later steps: the replacement request, closing, and editing what was entered.

``make_request`` marks the request made and keeps everything the request document needs
(addressee, warranty and fee, the backup reference with record count and totals agreement,
the attachments), after showing and recording the caution to keep the backup safe. The
document itself is rendered from the case elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case import states
from posdiag.case.actions import Actor, act, change_case
from posdiag.case.cautions import BEFORE_REQUEST, Show, show_and_record
from posdiag.case.model import Case, Decision, Request
from posdiag.case.opening import add_attachments, check_fault
from posdiag.case.profiles import MerchantProfile
from posdiag.case.store import CaseFile, resolve, sha256_file
from posdiag.case.warranty import rejudge
from posdiag.errors import BadInput, IllegalTransition, VerificationError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey


# --- the replacement request ---------------------------------------------------------------


def check_backup_reachable(case_dir: Path, case: Case) -> str:
    """'' when the linked set's manifest is there unchanged (or not reachable from here: a note
    is returned); VerificationError when it is there but differs from the reference."""
    ref = case.backup
    if ref is None:
        return ""
    manifest = resolve(case_dir, ref.set_dir) / ref.manifest
    try:
        found = sha256_file(manifest)
    except OSError:
        return _("the backup set {set_dir} is not reachable from here; its reference stands")\
            .format(set_dir=ref.set_dir)
    if found != ref.manifest_sha256:
        raise VerificationError(_(
            "The backup set's manifest {manifest} no longer matches the case's reference; do "
            "not file the request until the set is examined (`posdiag verify`).").format(
                manifest=manifest))
    return ""


def make_request(case_dir: Path, kit_key: KitKey, *, actor: Actor | None = None,
                 show: Show = lambda _text: None, force: bool = False, reason: str = "",
                 requested_model: str = "", note: str = "") -> CaseFile:
    actor = actor or Actor()

    def change(case: Case) -> Case:
        states.check_step(case.state, states.REQUESTED, force=force, reason=reason)
        reachable = check_backup_reachable(case_dir, case)
        case = show_and_record(case, actor, BEFORE_REQUEST, show, moment="before-request")
        warranty = case.warranty
        request = Request(
            made_at=actor.now(), addressee=warranty.addressee,
            in_warranty=warranty.in_warranty, repair_fee=warranty.repair_fee,
            requested_model=requested_model or case.old_terminal.model_name,
            backup=case.backup, backup_impossible=case.backup_impossible,
            attachments=tuple(a.sha256 for a in case.attachments), note=note)
        return act(case, actor, "requested", to_state=states.REQUESTED, force=force,
                   reason=reason, request=request, details={
                       "addressee": warranty.addressee.role, "name": warranty.addressee.name,
                       "in_warranty": warranty.in_warranty, "repair_fee": warranty.repair_fee,
                       "backup": case.backup.set_id if case.backup else "",
                       "note": reachable})

    return change_case(case_dir, kit_key, change, actor=actor)


# --- closing -------------------------------------------------------------------------------


def close_case(case_dir: Path, kit_key: KitKey, *, actor: Actor | None = None,
               reject: bool = False, reason: str = "", force: bool = False) -> CaseFile:
    """Close the case; with ``reject`` the replacement is rejected first (reason required)."""
    actor = actor or Actor()
    if reject and not reason.strip():
        raise BadInput(_("--reject needs --reason \"why\": the reason is what the case keeps."))

    def change(case: Case) -> Case:
        if reject and case.state != states.REJECTED:
            if case.state == states.ACCEPTED:
                raise IllegalTransition(_("The replacement of case {case_id} was accepted; it "
                                          "cannot be rejected now. Open a new case for a new "
                                          "fault.").format(case_id=case.case_id))
            case = act(case, actor, "rejected", to_state=states.REJECTED, force=force,
                       reason=reason,
                       decision=Decision("rejected", actor.now(), reason.strip()))
        return act(case, actor, "closed", to_state=states.CLOSED, force=force, reason=reason,
                   closed=actor.now())

    return change_case(case_dir, kit_key, change, actor=actor)


# --- editing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseEdit:
    """What ``case edit`` may change; None (or empty) leaves a field as it is."""

    category: str | None = None
    description: str | None = None
    since: str | None = None
    reported_by: str | None = None
    frequency: str | None = None
    merchant_profile: MerchantProfile | None = None
    merchant: dict[str, str] | None = None
    manufacturer: str | None = None
    model: str | None = None
    acquirer: str | None = None
    serial_number: str | None = None  # hand-entered identities only
    terminal_id: str | None = None
    merchant_id: str | None = None
    software_version: str | None = None
    purchased: date | None = None
    installed: date | None = None
    warranty_months: int | None = None
    technician_name: str | None = None
    technician_id: str | None = None
    attachments: tuple[Path, ...] = ()
    backup_impossible: str | None = None
    note: str | None = None

    def empty(self) -> bool:
        return all(getattr(self, f.name) in (None, (), {}) for f in fields(self))


_READ_FIELDS = ("serial_number", "terminal_id", "merchant_id", "software_version")


def edit_case(case_dir: Path, kit_key: KitKey, edit: CaseEdit, *,
              actor: Actor | None = None) -> CaseFile:
    actor = actor or Actor()
    if edit.empty():
        raise BadInput(_("Nothing to change: give at least one field to edit (see `posdiag "
                         "case edit --help`)."))

    def change(case: Case) -> Case:
        if case.state == states.CLOSED:
            raise IllegalTransition(_("The case {case_id} is closed; it cannot be edited. Open "
                                      "a new case for a new fault.").format(
                                          case_id=case.case_id))
        changed: dict[str, Any] = {}
        fault = _edited(case.fault, changed, "fault", category=edit.category,
                        description=edit.description, since=edit.since,
                        reported_by=edit.reported_by, frequency=edit.frequency)
        check_fault(fault)
        merchant = case.merchant
        if edit.merchant_profile is not None:
            merchant = replace(edit.merchant_profile.merchant,
                               merchant_number=merchant.merchant_number
                               if case.old_terminal.source == "read"
                               else edit.merchant_profile.merchant.merchant_number)
        merchant = _edited(merchant, changed, "merchant", **(edit.merchant or {}))
        if merchant != case.merchant and "merchant" not in changed:
            changed["merchant"] = {"profile": merchant.profile}
        if merchant.merchant_number != case.merchant.merchant_number \
                and case.old_terminal.source == "read" and case.old_terminal.merchant_id:
            raise BadInput(_("The merchant number was read from the terminal ({number}); it "
                             "cannot be edited.").format(number=case.old_terminal.merchant_id))
        old = case.old_terminal
        if old.source == "read" and any(getattr(edit, f) is not None for f in _READ_FIELDS):
            raise BadInput(_("The old terminal's identity was read from it; serial number, TID, "
                             "merchant number and software cannot be edited, only model, "
                             "manufacturer and acquirer."))
        old = _edited(old, changed, "old_terminal", manufacturer=edit.manufacturer,
                      model=edit.model, acquirer=edit.acquirer,
                      serial_number=edit.serial_number, terminal_id=edit.terminal_id,
                      merchant_id=edit.merchant_id, software_version=edit.software_version)
        warranty = case.warranty
        if edit.purchased or edit.installed or edit.warranty_months is not None:
            start = edit.purchased or edit.installed
            kind = "purchase" if edit.purchased else "installation"
            if start is None and warranty.start:
                start, kind = date.fromisoformat(warranty.start), warranty.start_kind
            warranty = rejudge(warranty, start=start, start_kind=kind,
                               months=edit.warranty_months)
            changed["warranty"] = {"in_warranty": [case.warranty.in_warranty,
                                                   warranty.in_warranty],
                                   "addressee": [case.warranty.addressee.role,
                                                 warranty.addressee.role]}
        technician = case.technician
        if edit.technician_name is not None or edit.technician_id is not None:
            technician = _edited(technician, changed, "technician", name=edit.technician_name,
                                 id=edit.technician_id)
        if case.request is not None and ("warranty" in changed or "old_terminal" in changed):
            changed["note"] = _("changed after the request was made; the request stands as made")
        case = replace(case, fault=fault, merchant=merchant, old_terminal=old,
                       warranty=warranty, technician=technician)
        if len(changed) > (1 if "note" in changed else 0):
            case = act(case, actor, "edited", details=changed)
        case = add_attachments(case, case_dir, actor, edit.attachments)
        if edit.note:
            case = act(case, actor, "note", details={"text": edit.note})
        if edit.backup_impossible is not None:
            if not edit.backup_impossible.strip():
                raise BadInput(_("--backup-impossible needs the reason, e.g. \"the terminal "
                                 "does not power on\"."))
            case = act(case, actor, "backup-impossible", to_state=states.BACKUP_IMPOSSIBLE,
                       reason=edit.backup_impossible.strip(),
                       backup_impossible=edit.backup_impossible.strip())
        return case

    return change_case(case_dir, kit_key, change, actor=actor)


def _edited(record: Any, changed: dict[str, Any], where: str, **values: Any) -> Any:
    """``record`` with the given (non-None) values; what changed noted as [before, after]."""
    updates = {k: v for k, v in values.items() if v is not None and getattr(record, k) != v}
    if not updates:
        return record
    changed.setdefault(where, {}).update(
        {k: [getattr(record, k), v] for k, v in updates.items()})
    return replace(record, **updates)
