"""The demo: the repair story on the built-in emulator, as a technician lives it.

A shop's (emulated) terminal prints blank receipts. The demo opens a repair case for it (the
terminal is read: identity, status, its diagnosis, totals, its log), backs it up into the case
with the caution shown, verifies the set with the office key, files the replacement request,
acceptance-tests an emulated replacement (another serial number, the same merchant) with the
emulator's operator — arrival inspection included — and closes the accepted case.

Everything lands in a new run folder under the chosen directory: a fresh demo age key (it
decrypts the set), a demo kit key (it signs the case, the manifests and the record), the
merchant profile, and the case folder with its backup set and test record. Progress goes to
a callback; nothing prints here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.errors import UsageError, VerificationError
from posdiag.i18n import _, ngettext
from posdiag.plan.service import TestRun

if TYPE_CHECKING:
    from posdiag.case.documents.service import Form

DEMO_SEED = 1
REPLACEMENT_SERIAL = "EMU0000002"

DEMO_MERCHANT = """\
# A demo merchant profile (posdiag case open --merchant): the shop, its papers, addressees.
[merchant]
name = "POSDIAG 演示商店 DEMO SHOP"
number = "100200300"
address = "1 Demo Street, Berlin"
contact = "Ms Demo"
phone = "+49 30 0000000"

[terminal]
purchased = {purchased}
warranty-months = 12

[manufacturer]
name = "EMU Terminals (the emulator's maker)"
email = "rma@emu.example"

[service-provider]
name = "Demo POS Service"
"""


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    run_dir: Path
    case_dir: Path
    set_dir: Path
    key_file: Path
    records: int
    test: TestRun
    verdict: str
    case_state: str
    documents: tuple[Path, ...] = ()  # the request form and the certificate, as written
    no_pdf: str = ""  # why no PDF was written (the documents extra missing), or ""


def shipped_plan(name: str) -> Path:
    """A plan shipped in testplans/ (installed as posdiag.testplans)."""
    from posdiag.testplans import shipped_path

    path = shipped_path(name)
    if not path.is_file():
        raise UsageError(_("The shipped plan {path} is missing; reinstall posdiag.").format(
                             path=path))
    return path


def _new_run_dir(directory: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        run_dir = directory / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
    raise UsageError(_("{directory} holds too many demo runs for one second; choose "
                       "another --dir.").format(directory=directory))


def run_demo(directory: Path, *, journal: int = 200,
             progress: Callable[[str], None] = lambda _line: None,
             now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> DemoOutcome:
    from posdiag.age_files import load_identities, write_identity_file
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.verify import verify_set
    from posdiag.case.acceptance import run_case_acceptance
    from posdiag.case.backup import backup_for_case
    from posdiag.case.documents.service import file_request, write_case_document
    from posdiag.case.documents.words import CERTIFICATE_KIND, REQUEST_KIND
    from posdiag.case.flow import close_case
    from posdiag.case.model import Fault
    from posdiag.case.opening import Opening, open_case
    from posdiag.case.profiles import load_merchant_profile
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import build_emulator, open_terminal

    shipped_plan("acceptance.toml")
    run_dir = _new_run_dir(directory, now())
    key_file = run_dir / "demo-office.key"
    recipient = write_identity_file(key_file, now=now())
    kit_key = load_or_create_kit_key(run_dir / "kit")
    profile = run_dir / "demo-shop.toml"
    purchased = date.today() - timedelta(days=100)
    profile.write_text(DEMO_MERCHANT.format(purchased=purchased.isoformat()), encoding="utf-8")
    progress(_("Demo folder {folder}: fresh demo key {key}, demo kit key, merchant profile {shop}.")
             .format(folder=run_dir, key=key_file.name, shop=profile.name))

    emulator = build_emulator({"seed": str(DEMO_SEED), "journal": str(journal)})
    opening = Opening(root=run_dir / "cases",
                      fault=Fault("printer", "prints blank receipts", since=purchased.isoformat(),
                                  reported_by="Ms Demo", frequency="always"),
                      port="sim", merchant_profile=load_merchant_profile(profile))
    with open_terminal("sim", emulator=emulator) as terminal:
        progress(_("1. Opening a case: reading the broken terminal (identity, status, its "
                   "diagnosis, totals, log) ..."))
        case_file = open_case(opening, kit_key, terminal=terminal)
        case_dir = case_file.path
        progress(_("   Case {case_id} opened in {folder}.").format(
            case_id=case_file.case.case_id, folder=case_dir))
        progress(_("2. Backing up its journal ({count} transactions) into the case ...").format(
            count=journal))
        backed = backup_for_case(case_dir, "sim", [parse_recipient(recipient)], kit_key,
                                 terminal=terminal,
                                 show=lambda text: progress("   " + _("CAUTION: {text}").format(
                                     text=text)))
    set_dir = backed.result.set_dir
    report = verify_set(set_dir, load_identities(key_file), kit_key.public_key)
    if not report.ok:
        raise VerificationError(_("The demo backup set {set_dir} does not verify: "
                                  "{problems}.").format(
                                    set_dir=set_dir, problems='; '.join(report.problems)))
    from posdiag.backup.layout import manifest_name

    assert report.generation is not None and report.records is not None
    progress(ngettext("   Backup verified with the office key: {manifest}, {records} record "
                      "decrypted and checked.",
                      "   Backup verified with the office key: {manifest}, {records} records "
                      "decrypted and checked.", report.records).format(
        manifest=manifest_name(report.generation), records=report.records))

    progress(_("3. Filing the replacement request ..."))
    no_pdf = _no_pdf()
    written = [run_dir / "request.html"]
    requested, _document, _made = file_request(
        case_dir, kit_key, output=written[0], show=lambda text: progress(
            "   " + _("CAUTION: {text}").format(text=text)))
    if not no_pdf:
        written.append(write_case_document(case_dir, REQUEST_KIND, run_dir / "request.pdf",
                                           kit_key, form="pdf").path)
    request = requested.case.request
    assert request is not None
    progress(_("   Request to {name} ({role}); under warranty: {warranty}.").format(
        name=request.addressee.name, role=request.addressee.role,
        warranty=_("yes") if request.in_warranty else _("no")))

    progress(_("4. The replacement arrived: acceptance test (emulated terminal {serial}, the "
               "emulator's operator) ...").format(serial=REPLACEMENT_SERIAL))
    identity = run_dir / "replacement-terminal.toml"
    identity.write_text(f'[terminal]\nserial_number = "{REPLACEMENT_SERIAL}"\n',
                        encoding="utf-8")
    accepted = run_case_acceptance(case_dir, f"sim:seed={DEMO_SEED + 1},identity={identity}",
                                   "acceptance", kit_key, junit=run_dir / "junit.xml")
    state = accepted.case.case.state
    if accepted.replacement.verdict == "accepted":
        # The verdict is the caller's to print, after the results that prove it.
        progress(_("5. Writing the acceptance certificate and closing the case ..."))
        forms: tuple[Form, ...] = ("html",) if no_pdf else ("html", "pdf")
        for form in forms:
            written.append(write_case_document(case_dir, CERTIFICATE_KIND,
                                               run_dir / f"certificate.{form}", kit_key,
                                               form=form).path)
        state = close_case(case_dir, kit_key).case.state
    return DemoOutcome(run_dir, case_dir, set_dir, key_file, backed.result.records,
                       accepted.test, accepted.replacement.verdict, state, tuple(written),
                       no_pdf)


def _no_pdf() -> str:
    """Why this installation cannot write PDF documents (the documents extra, a CJK font);
    "" when it can."""
    from posdiag.documents.pdf import check_pdf_possible
    from posdiag.errors import DocumentSetupError

    try:
        check_pdf_possible()
    except DocumentSetupError as err:
        return str(err)
    return ""
