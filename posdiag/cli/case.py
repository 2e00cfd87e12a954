"""posdiag case: the repair case (工单) — open, show, list, request, close, edit."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from posdiag.cli.help import Group
from posdiag.cli.options import json_option, port_option, print_json, terminal_options
from posdiag.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from posdiag.case.actions import Actor
    from posdiag.case.profiles import KitProfile
    from posdiag.case.store import CaseFile
    from posdiag.terminal_settings import TerminalSettings


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(_("{value!r} is not a date; write it as 2026-11-28.").format(value=value),
                      param, ctx)


DATE = IsoDate()
CASE_DIR = click.Path(file_okay=True, path_type=Path)


def config_dir_option(f: Any) -> Any:
    return click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
                        help=N_("Where the kit signing key and profile.toml live (default: "
                                "~/.config/posdiag)."))(f)


def profile_option(f: Any) -> Any:
    return click.option("--profile", "profile", type=click.Path(dir_okay=False, path_type=Path),
                        help=N_("Kit profile (technician, addressees, case root); default: "
                                "profile.toml in the configuration folder."))(f)


def _kit(config_dir: Path | None, profile: Path | None) -> tuple[Any, KitProfile]:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.case.profiles import load_kit_profile

    kit_profile = load_kit_profile(profile, config_dir=config_dir)
    kit_key = load_or_create_kit_key(config_dir)
    if kit_key.created:
        click.echo(_("Created the kit signing key {path}; its public key is {key}").format(
            path=kit_key.path, key=kit_key.public_key), err=True)
    return kit_key, kit_profile


def _actor(kit_profile: KitProfile, name: str | None = None, ident: str | None = None) -> Actor:
    from posdiag.case.model import Technician
    from posdiag.case.opening import actor_for

    given = Technician(name or "", ident or "") if name else None
    return actor_for(given, kit_profile)


def _echo_caution(text: str) -> None:
    click.echo("\n" + _("CAUTION: {text}").format(text=text) + "\n", err=True)


def _case_json(case_file: CaseFile) -> dict[str, Any]:
    from posdiag.case.codec import to_json

    head = case_file.head
    return {
        "path": str(case_file.path), "verified": case_file.ok,
        "problems": list(case_file.problems), "notes": list(case_file.notes),
        "revision": head.number if head else None,
        "revision_sha256": head.sha256 if head else None,
        "kit_key": head.revision.kit_key if head and head.revision else None,
        "case": to_json(head.revision.case) if head and head.revision else None,
        # the revision each action of case.actions was written in (the history's numbering)
        "action_revisions": list(case_file.action_revisions()),
    }


def _done(case_file: CaseFile, as_json: bool, message: str) -> None:
    if as_json:
        print_json(_case_json(case_file))
    else:
        click.echo(message)


@click.group(cls=Group)
def case() -> None:
    """The repair case (工单): one broken terminal from fault report to accepted replacement.

    \b
    Examples (the story, one command per step):
      posdiag case open --port /dev/ttyACM0 --merchant shop.toml --fault printer \\
          --describe "prints blank receipts"                      # -> ~/.config/posdiag/cases/ID
      posdiag backup --case CASEDIR --port /dev/ttyACM0 -r age1...
      posdiag case request CASEDIR
      posdiag test --case CASEDIR --port /dev/ttyACM0 --plan acceptance
      posdiag case close CASEDIR
      posdiag case list --tid 52500001
    """


@case.command("open")
@port_option(required=False)
@terminal_options
@click.option("--no-terminal", is_flag=True,
              help=N_("The terminal no longer answers: take its identity from --model, --serial, "
                      "--tid (typed from the label)."))
@click.option("--merchant", "merchant_profile", type=click.Path(dir_okay=False, path_type=Path),
              metavar="PROFILE.toml", help=N_("Merchant profile: name, 商户号, address, contact, "
                                              "warranty, addressees."))
@click.option("--merchant-name", help=N_("Merchant name (instead of or over the profile)."))
@click.option("--merchant-number", help=N_("Merchant number (商户号); read from the terminal when "
                                           "it answers."))
@click.option("--merchant-address", help=N_("Merchant address."))
@click.option("--merchant-contact", help=N_("Contact person at the merchant."))
@click.option("--merchant-phone", help=N_("Merchant phone."))
@click.option("--fault", "category", required=True, metavar="CATEGORY",
              help=N_("Fault category: no-power, display, card-reader, pin-pad, printer, "
                      "communication, tamper, keys, other."))
@click.option("--describe", "description", required=True, metavar="TEXT",
              help=N_("What is wrong, in the merchant's and your words."))
@click.option("--since", metavar="DATE", default="", help=N_("When the fault started "
                                                             "(2026-11-28)."))
@click.option("--reported-by", default="", help=N_("Who reported the fault."))
@click.option("--frequency", default="", metavar="F",
              help=N_("How often: always, often, sometimes, once."))
@click.option("--manufacturer", default="", help=N_("Terminal manufacturer (ZVT does not say)."))
@click.option("--model", default="", help=N_("Terminal model (needed with --no-terminal)."))
@click.option("--serial", default="", help=N_("Serial number from the label (--no-terminal)."))
@click.option("--tid", default="", help=N_("Terminal ID (终端号) from the label or papers "
                                           "(--no-terminal)."))
@click.option("--software", default="", help=N_("Software version, if known (--no-terminal)."))
@click.option("--acquirer", default="", help=N_("Acquirer or network, where known."))
@click.option("--purchased", type=DATE, help=N_("Purchase date: the warranty runs from it."))
@click.option("--installed", type=DATE, help=N_("Installation date, when the purchase date is "
                                                "unknown."))
@click.option("--warranty-months", type=click.IntRange(0, 240),
              help=N_("Warranty period (default: profile, else 12)."))
@click.option("--technician", default=None, help=N_("Your name (default: the kit profile)."))
@click.option("--technician-id", default=None, help=N_("Your technician ID."))
@click.option("--attach", "attachments", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("A photo of the fault or the label; repeat for more."))
@click.option("--reason", default="", help=N_("With --no-terminal: why no backup is possible."))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Folder for the new case (default: the kit profile's, else "
                      "~/.config/posdiag/cases)."))
@profile_option
@config_dir_option
@json_option
def open_command(port: str | None, settings: TerminalSettings, no_terminal: bool,
                 merchant_profile: Path | None,
                 merchant_name: str | None, merchant_number: str | None,
                 merchant_address: str | None, merchant_contact: str | None,
                 merchant_phone: str | None, category: str, description: str, since: str,
                 reported_by: str, frequency: str, manufacturer: str, model: str, serial: str,
                 tid: str, software: str, acquirer: str, purchased: date | None,
                 installed: date | None, warranty_months: int | None, technician: str | None,
                 technician_id: str | None, attachments: tuple[Path, ...], reason: str,
                 root: Path | None, profile: Path | None, config_dir: Path | None,
                 as_json: bool) -> None:
    """Open a case for a broken terminal: read it, record the fault and the merchant.

    The terminal is read (identity, status, its 06 70 diagnosis, totals, the end of its
    log) and nothing on it is changed. If it no longer answers, use --no-terminal with
    --model, --serial and --tid from its label: the case then records what was tried
    and goes to backup-impossible. Prints the case folder.

    \b
    Examples:
      posdiag case open --port /dev/ttyACM0 --merchant shop.toml --fault printer \\
          --describe "prints blank receipts" --since 2026-11-28 --attach receipt.jpg
      posdiag case open --no-terminal --merchant shop.toml --model "PAX A920" \\
          --serial 1234567890 --tid 52500001 --fault no-power --describe "dead after a storm"
    """
    from posdiag.case.model import Fault, Technician
    from posdiag.case.opening import (
        HandIdentity,
        Opening,
        check_fault,
        default_root,
        open_case,
    )
    from posdiag.case.profiles import load_merchant_profile
    from posdiag.errors import BadInput

    if not port and not no_terminal:
        raise BadInput(_("Give the terminal's --port, or --no-terminal with its --model, "
                         "--serial and --tid when it no longer answers."))
    if purchased and installed:
        raise BadInput(_("Give --purchased or --installed, not both."))
    # Every option is checked before the terminal is read: exit 2 touches nothing.
    fault = check_fault(Fault(category, description.strip(), since.strip(),
                              reported_by.strip(), frequency.strip()))
    kit_key, kit_profile = _kit(config_dir, profile)
    merchant = {"name": merchant_name or "", "merchant_number": merchant_number or "",
                "address": merchant_address or "", "contact": merchant_contact or "",
                "phone": merchant_phone or ""}
    opening = Opening(
        root=root or default_root(kit_profile, config_dir),
        fault=fault,
        port=port, no_terminal=no_terminal,
        hand=HandIdentity(manufacturer, model, serial, tid, merchant_number or "", software,
                          acquirer),
        merchant_profile=load_merchant_profile(merchant_profile) if merchant_profile else None,
        merchant=merchant, kit_profile=kit_profile,
        technician=Technician(technician, technician_id or "") if technician else None,
        purchased=purchased, installed=installed, warranty_months=warranty_months,
        attachments=attachments, backup_impossible=reason,
        terminal_options=settings.driver_options())
    if port:
        click.echo(_("Reading the terminal on {port} (nothing on it is changed) ...").format(
            port=port), err=True)
    case_file = open_case(opening, kit_key)
    opened = case_file.case
    _done(case_file, as_json, _("Opened case {case_id} ({state}): {path}").format(
        case_id=opened.case_id, state=opened.state, path=case_file.path))


@case.command("show")
@click.argument("case_dir", type=CASE_DIR)
@click.option("--kit-key", help=N_("Require every revision signed by this kit public key."))
@json_option
def show(case_dir: Path, kit_key: str | None, as_json: bool) -> None:
    """Everything about a case, and whether its file verifies.

    Every revision's signature, the hash chain and the files the case names are
    checked. Exit code 0 when it verifies, 1 when anything was altered.

    \b
    Examples:
      posdiag case show ~/.config/posdiag/cases/2026-1130-52500001-01
      posdiag case show CASEDIR --json
    """
    from posdiag.case.show import case_lines
    from posdiag.case.store import load_case
    from posdiag.errors import CaseAltered

    case_file = load_case(case_dir, public_key=kit_key)
    if as_json:
        print_json(_case_json(case_file))
    else:
        click.echo("\n".join(case_lines(case_file)))
    if case_file.problems:
        raise CaseAltered(_("The case file in {path} does not verify ({problem}); it was "
                            "altered or damaged.").format(path=case_dir,
                                                          problem=case_file.problems[0]))


@case.command("list")
@click.argument("roots", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                   path_type=Path))
@click.option("--root", "root_options", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help=N_("Look in this folder (as the arguments do; as `case verify-document "
                      "--root`); repeat for more. Default: the kit's case folder and USB "
                      "sticks."))
@click.option("--tid", default="", help=N_("Cases of this terminal ID (old or replacement)."))
@click.option("--serial", default="", help=N_("Cases of this serial number (old or "
                                              "replacement)."))
@click.option("--merchant", default="", help=N_("Part of the merchant's name, or its number."))
@click.option("--since", type=DATE, help=N_("Opened on or after this date."))
@click.option("--state", default="", help=N_("Only cases in this state (open, backed-up, "
                                             "requested, accepted, closed, ...)."))
@profile_option
@config_dir_option
@json_option
def list_command(roots: tuple[Path, ...], root_options: tuple[Path, ...], tid: str,
                 serial: str, merchant: str,
                 since: date | None, state: str, profile: Path | None,
                 config_dir: Path | None, as_json: bool) -> None:
    """Find cases: on sticks, in the kit's state folder, or in the folders given.

    The folders can be given as arguments or with --root (as for `case open` and
    `case verify-document`); a folder that does not exist is a usage error.

    Only the newest revision of each case is read and its signature checked; a
    case marked "!" did not verify (see `posdiag case show`).

    \b
    Examples:
      posdiag case list --tid 52500001
      posdiag case list /media/stick --state requested --json
      posdiag case list --root /media/stick/posdiag-cases --serial 1234567890
      posdiag case list --merchant 张记 --since 2026-01-01
    """
    from posdiag.case.codec import to_json
    from posdiag.case.listing import CaseQuery, default_roots, list_cases
    from posdiag.case.profiles import load_kit_profile
    from posdiag.case.show import list_rows
    from posdiag.i18n_width import text_table

    query = CaseQuery(tid=tid, serial=serial, merchant=merchant, since=since, state=state)
    where = [*roots, *root_options] or default_roots(
        load_kit_profile(profile, config_dir=config_dir), config_dir)
    found = list_cases(where, query)
    if as_json:
        print_json([{"path": str(s.path), "verified": s.verified, "problem": s.problem,
                     "revision": s.revision, "written": s.written,
                     "case": to_json(s.case) if s.case else None} for s in found])
        return
    if not found:
        click.echo(_("No case found in {roots}.").format(roots=", ".join(map(str, where))),
                   err=True)
        return
    click.echo("\n".join(text_table(list_rows(found))))
    click.echo(ngettext("{n} case.", "{n} cases.", len(found)).format(n=len(found)), err=True)


def _document_options(f: Any) -> Any:
    f = click.option("--pdf", is_flag=True, help=N_("Write a PDF (the default for an output "
                                                    "ending in .pdf); HTML otherwise."))(f)
    return f


def _echo_written(written: Any) -> None:
    rendered = written.document
    click.echo(_("Wrote {path} ({form}, {language}), made from revision {revision} of case "
                 "{case_id}; recorded in the case.").format(
                     path=written.path, form=rendered.form.upper(),
                     language=rendered.stamp.language, revision=rendered.revision,
                     case_id=rendered.case_id))


def _written_json(written: Any) -> dict[str, Any]:
    rendered = written.document
    return {"output": str(written.path), "kind": rendered.kind, "format": rendered.form,
            "language": rendered.stamp.language, "sha256": rendered.sha256,
            "case_id": rendered.case_id, "revision": rendered.revision,
            "revision_sha256": rendered.revision_sha256}


@case.command("request")
@click.argument("case_dir", type=CASE_DIR)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=N_("Write the request form (换机申请表) to FILE (HTML, or PDF with --pdf or a "
                      ".pdf name); again later to replace a lost printout."))
@_document_options
@click.option("--model", "requested_model", default="",
              help=N_("The model requested (default: the old terminal's)."))
@click.option("--note", default="", help=N_("A note for the addressee."))
@click.option("--force", is_flag=True, help=N_("Request although a step was skipped (needs "
                                               "--reason)."))
@click.option("--reason", default="", help=N_("Why a step is skipped (recorded)."))
@profile_option
@config_dir_option
@json_option
def request(case_dir: Path, output: Path | None, pdf: bool, requested_model: str, note: str,
            force: bool, reason: str, profile: Path | None, config_dir: Path | None,
            as_json: bool) -> None:
    """Mark the replacement request made, and write its form.

    Records the addressee (manufacturer under warranty, service provider otherwise),
    the repair fee, the backup reference and the attachments; with -o writes the
    request form from the case, in the language of --lang, with a QR code naming
    the case revision it was made from. Once made, the request stands: running this
    again with -o writes its form again (a lost printout) and records that.
    Exit codes: 0 done; 1 the case file does not verify; 2 not the next step of the
    case (or already made, without -o); 4 the file cannot be written.

    \b
    Examples:
      posdiag case request CASEDIR -o request.html
      posdiag --lang zh-CN case request CASEDIR --pdf -o 换机申请表.pdf
      posdiag case request CASEDIR --force --reason "merchant declined the backup"
    """
    from posdiag.case.documents.service import file_request, form_of

    kit_key, kit_profile = _kit(config_dir, profile)
    case_file, written, made_now = file_request(
        case_dir, kit_key, actor=_actor(kit_profile), show=_echo_caution, force=force,
        reason=reason, requested_model=requested_model, note=note, output=output,
        form=form_of(output, pdf) if output is not None else None)
    made = case_file.case.request
    assert made is not None
    if as_json:
        data = _case_json(case_file)
        data["document"] = _written_json(written) if written is not None else None
        print_json(data)
        return
    if made_now:
        click.echo(_("Request of case {case_id} made: to {name} ({role}), {fee}.").format(
            case_id=case_file.case.case_id, name=made.addressee.name or "-",
            role=made.addressee.role,
            fee=_("repair fee applies") if made.repair_fee else _("no repair fee")))
    if written is not None:
        _echo_written(written)


@case.command("certificate")
@click.argument("case_dir", type=CASE_DIR)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help=N_("The file to write (HTML, or PDF with --pdf or a .pdf "
                                      "name)."))
@_document_options
@profile_option
@config_dir_option
@json_option
def certificate(case_dir: Path, output: Path, pdf: bool, profile: Path | None,
                config_dir: Path | None, as_json: bool) -> None:
    """Write the acceptance certificate (验收单) of the replacement terminal.

    Old and new terminal side by side, the arrival inspection, every test step in
    words, the receipts as printed, the payment and its reversal, the signatures of
    the case file and the test record checked, and the conclusion: "Tested: the
    terminal works normally" only when everything passed. Made from the newest
    acceptance run of the case; the writing is recorded in the case. Exit codes: 0
    written; 1 the case file does not verify; 2 the case has no acceptance run; 4 the
    file cannot be written.

    \b
    Examples:
      posdiag case certificate CASEDIR -o certificate.html
      posdiag --lang zh-CN case certificate CASEDIR --pdf -o 验收单.pdf
    """
    from posdiag.case.documents.service import write_case_document
    from posdiag.case.documents.words import CERTIFICATE_KIND

    kit_key, kit_profile = _kit(config_dir, profile)
    written = write_case_document(case_dir, CERTIFICATE_KIND, output, kit_key,
                                  form="pdf" if pdf else None, actor=_actor(kit_profile))
    if as_json:
        print_json(_written_json(written))
    else:
        _echo_written(written)


@case.command("verify-document")
@click.argument("document", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                metavar="FILE.pdf")
@click.argument("case_dir", type=CASE_DIR, required=False)
@click.option("--root", "roots", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help=N_("Where to look for the case named in the document (default: the kit's "
                      "case folder and USB sticks); repeat for more."))
@profile_option
@config_dir_option
@json_option
def verify_document(document: Path, case_dir: Path | None, roots: tuple[Path, ...],
                    profile: Path | None, config_dir: Path | None, as_json: bool) -> None:
    """Check a request or certificate PDF against its case.

    The PDF names its case and the SHA-256 of the case revision it was made from
    (QR code and metadata). That revision must be one the case file holds and that
    verifies, and the PDF must be exactly what posdiag renders from it: an edited
    PDF, or one made from an altered case, fails. Says whether the case changed
    since. Without CASEDIR the case is looked for by its ID. Exit codes: 0 the
    document matches; 1 it does not; 2 the case is not found.

    \b
    Examples:
      posdiag case verify-document 换机申请表.pdf CASEDIR
      posdiag case verify-document certificate.pdf --root /media/stick/posdiag-cases
    """
    from posdiag.case.actions import who_words
    from posdiag.case.documents.service import verify_case_document
    from posdiag.case.listing import default_roots
    from posdiag.case.profiles import load_kit_profile
    from posdiag.case.show import action_text
    from posdiag.errors import MediaError

    try:
        data = document.read_bytes()
    except OSError as err:
        raise MediaError(_("Cannot read {path} ({reason}).").format(
            path=document, reason=err.strerror or err)) from err
    where = list(roots)
    if case_dir is None and not where:
        where = default_roots(load_kit_profile(profile, config_dir=config_dir), config_dir)
    checked = verify_case_document(data, case_dir, roots=where)
    stamp = checked.stamp
    if as_json:
        print_json({"document": str(document), "kind": stamp.kind, "case_id": stamp.reference,
                    "case_dir": str(checked.case_dir), "revision": checked.revision,
                    "revision_sha256": stamp.source_sha256, "newest_revision": checked.newest,
                    "moved_on": checked.moved_on, "language": stamp.language,
                    "made": stamp.generated, "verified": True,
                    "later_actions": [a.kind for a in checked.later],
                    "written": ({"action": checked.written.number, "at": checked.written.at,
                                 "host": checked.written.host,
                                 "technician": checked.written.technician,
                                 "file": checked.written.details.get("file")}
                                if checked.written else None)})
        return
    click.echo(_("{path}: verified. It is exactly what case {case_id} renders from revision "
                 "{revision} (SHA-256 {sha256}), made {made}.").format(
                     path=document, case_id=stamp.reference, revision=checked.revision,
                     sha256=stamp.source_sha256, made=stamp.generated))
    if checked.written is not None:
        written = checked.written
        click.echo(_("The case recorded writing it: {at} on {host} by {technician} ({file}).")
                   .format(at=written.at, host=written.host,
                           technician=who_words(written.technician),
                           file=written.details.get("file") or "-"))
    else:
        click.echo(_("The case has no record of this file being written (rendered for a page "
                     "or a script, or written by another posdiag)."))
    if not checked.later:
        click.echo(_("The case has not changed since."))
    elif not checked.moved_on:
        click.echo(_("Since then only documents were written (revision {newest} now); the "
                     "case itself has not changed.").format(newest=checked.newest))
    else:
        click.echo(_("The case has moved on since (revision {newest} now):").format(
            newest=checked.newest))
        for action in checked.later:
            click.echo(f"  {action.at}  {action_text(action)}")


@case.command("close")
@click.argument("case_dir", type=CASE_DIR)
@click.option("--reject", is_flag=True, help=N_("Reject the replacement first (needs "
                                                "--reason)."))
@click.option("--reason", default="", help=N_("Why (recorded)."))
@click.option("--force", is_flag=True, help=N_("Close although the replacement was not judged "
                                               "(needs --reason)."))
@profile_option
@config_dir_option
@json_option
def close(case_dir: Path, reject: bool, reason: str, force: bool, profile: Path | None,
          config_dir: Path | None, as_json: bool) -> None:
    """Close the case (after the replacement was accepted or rejected).

    \b
    Examples:
      posdiag case close CASEDIR
      posdiag case close CASEDIR --reject --reason "manufacturer refused the exchange"
    """
    from posdiag.case.flow import close_case

    kit_key, kit_profile = _kit(config_dir, profile)
    case_file = close_case(case_dir, kit_key, actor=_actor(kit_profile), reject=reject,
                           reason=reason, force=force)
    _done(case_file, as_json, _("Closed case {case_id}.").format(
        case_id=case_file.case.case_id))


@case.command("edit")
@click.argument("case_dir", type=CASE_DIR)
@click.option("--fault", "category", default=None, metavar="CATEGORY",
              help=N_("Fault category (see case open)."))
@click.option("--describe", "description", default=None, help=N_("Fault description."))
@click.option("--since", default=None, metavar="DATE", help=N_("When the fault started."))
@click.option("--reported-by", default=None, help=N_("Who reported it."))
@click.option("--frequency", default=None, help=N_("always, often, sometimes, once."))
@click.option("--merchant", "merchant_profile", type=click.Path(dir_okay=False, path_type=Path),
              metavar="PROFILE.toml", help=N_("Take the merchant from this profile."))
@click.option("--merchant-name", default=None)
@click.option("--merchant-address", default=None)
@click.option("--merchant-contact", default=None)
@click.option("--merchant-phone", default=None)
@click.option("--manufacturer", default=None)
@click.option("--model", default=None)
@click.option("--acquirer", default=None)
@click.option("--serial", default=None, help=N_("Only for an identity entered by hand."))
@click.option("--tid", default=None, help=N_("Only for an identity entered by hand."))
@click.option("--merchant-number", default=None, help=N_("Only for an identity entered by "
                                                       "hand."))
@click.option("--software", default=None, help=N_("Only for an identity entered by hand."))
@click.option("--purchased", type=DATE, default=None, help=N_("Purchase date (judges the "
                                                            "warranty again)."))
@click.option("--installed", type=DATE, default=None, help=N_("Installation date."))
@click.option("--warranty-months", type=click.IntRange(0, 240), default=None)
@click.option("--technician", default=None)
@click.option("--technician-id", default=None)
@click.option("--attach", "attachments", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("Add a photo or file."))
@click.option("--note", default=None, help=N_("Add a note to the history."))
@click.option("--backup-impossible", default=None, metavar="REASON",
              help=N_("Record that no backup can be made, and why."))
@profile_option
@config_dir_option
@json_option
def edit(case_dir: Path, category: str | None, description: str | None, since: str | None,
         reported_by: str | None, frequency: str | None, merchant_profile: Path | None,
         merchant_name: str | None, merchant_address: str | None,
         merchant_contact: str | None, merchant_phone: str | None, manufacturer: str | None,
         model: str | None, acquirer: str | None, serial: str | None, tid: str | None,
         merchant_number: str | None, software: str | None, purchased: date | None,
         installed: date | None, warranty_months: int | None, technician: str | None,
         technician_id: str | None, attachments: tuple[Path, ...], note: str | None,
         backup_impossible: str | None, profile: Path | None, config_dir: Path | None,
         as_json: bool) -> None:
    """Complete or correct a case; every change is a new signed revision.

    What was read from the terminal cannot be edited; the rest can, and the
    history keeps the old value beside the new one.

    \b
    Examples:
      posdiag case edit CASEDIR --fault printer --describe "paper jams at the cutter"
      posdiag case edit CASEDIR --purchased 2025-03-01 --attach label.jpg
      posdiag case edit CASEDIR --backup-impossible "the terminal does not power on"
    """
    from posdiag.case.flow import CaseEdit, edit_case
    from posdiag.case.profiles import load_merchant_profile

    kit_key, kit_profile = _kit(config_dir, profile)
    merchant = {k: v for k, v in (("name", merchant_name), ("address", merchant_address),
                                  ("contact", merchant_contact), ("phone", merchant_phone))
                if v is not None}
    if merchant_number is not None:
        merchant["merchant_number"] = merchant_number
    changes = CaseEdit(
        category=category, description=description, since=since, reported_by=reported_by,
        frequency=frequency,
        merchant_profile=load_merchant_profile(merchant_profile) if merchant_profile else None,
        merchant=merchant or None, manufacturer=manufacturer, model=model, acquirer=acquirer,
        serial_number=serial, terminal_id=tid, merchant_id=merchant_number,
        software_version=software, purchased=purchased, installed=installed,
        warranty_months=warranty_months, technician_name=technician,
        technician_id=technician_id, attachments=attachments, note=note,
        backup_impossible=backup_impossible)
    case_file = edit_case(case_dir, kit_key, changes, actor=_actor(kit_profile))
    _done(case_file, as_json, _("Case {case_id} updated: revision {n} ({state}).").format(
        case_id=case_file.case.case_id, n=case_file.revision.revision,
        state=case_file.case.state))
