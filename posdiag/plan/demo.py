"""The demo: back up an emulated terminal, verify the set, acceptance-test its replacement.

Everything lands in a new run folder under the chosen directory: a fresh demo age key (it
decrypts the set), a demo kit key (it signs manifests and the record), the backup set, the
signed test record and the JUnit file. Progress goes to a callback; nothing prints here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from posdiag.errors import UsageError, VerificationError
from posdiag.plan.service import TestRun, run_test

DEMO_SEED = 1


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    run_dir: Path
    set_dir: Path
    key_file: Path
    records: int
    test: TestRun


def shipped_plan(name: str) -> Path:
    """A plan shipped in testplans/ (installed as posdiag.testplans)."""
    from posdiag.testplans import shipped_path

    path = shipped_path(name)
    if not path.is_file():
        raise UsageError(f"The shipped plan {path} is missing; reinstall posdiag.")
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
    raise UsageError(f"{directory} holds too many demo runs for one second; choose another --dir.")


def run_demo(directory: Path, *, journal: int = 200,
             progress: Callable[[str], None] = lambda _line: None,
             now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> DemoOutcome:
    from posdiag.age_files import load_identities, write_identity_file
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.backup.verify import verify_set
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import build_emulator, open_terminal

    plan = shipped_plan("acceptance.toml")
    run_dir = _new_run_dir(directory, now())
    key_file = run_dir / "demo-office.key"
    recipient = write_identity_file(key_file, now=now())
    kit_key = load_or_create_kit_key(run_dir / "kit")
    progress(f"Demo folder {run_dir}: fresh demo key {key_file.name}, demo kit key.")

    set_dir = run_dir / "backup-set"
    emulator = build_emulator({"seed": str(DEMO_SEED), "journal": str(journal)})
    progress(f"Backing up the emulated terminal's journal ({journal} transactions) ...")
    with open_terminal("sim", emulator=emulator) as terminal:
        backup = run_backup(terminal, set_dir, [parse_recipient(recipient)], kit_key)
    report = verify_set(set_dir, load_identities(key_file), kit_key.public_key)
    if not report.ok:
        raise VerificationError(f"The demo backup set {set_dir} does not verify: "
                                f"{'; '.join(report.problems)}.")
    progress(f"Backup verified: generation {report.generation}, {report.records} records "
             "decrypted and checked.")

    progress("Acceptance test of the replacement terminal (emulated, emulator operator) ...")
    test = run_test(f"sim:seed={DEMO_SEED + 1}", plan, backup=set_dir,
                    record_dir=run_dir / "records", junit=run_dir / "junit.xml",
                    kit_key=kit_key)
    return DemoOutcome(run_dir, set_dir, key_file, backup.records, test)
