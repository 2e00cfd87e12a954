"""Kit cycles end to end against the emulated terminal, with a temp folder as the stick.

`posdiag kit once --port sim:journal=N` starts the emulator on a real pty, so the
kit runs the same driver code it runs against hardware. The office identity is
TEST MATERIAL held by the test (the office), never by the kit.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kit_fakes import VanishingMedium, fake_usb_stick_sysfs

from posdiag.cli import main
from posdiag.errors import LinkError, MediaRemoved, UsageError
from posdiag.kit import signals
from posdiag.kit.config import load_kit_config
from posdiag.kit.cycle import PlanOutcome, run_cycle
from posdiag.kit.eject import EjectOutcome, eject
from posdiag.kit.lock import cycle_lock, is_locked, lock_path
from posdiag.kit.signals import StateSignal

JOURNAL = 300  # records (~75 KB): several 16 KiB segments
PORT = f"sim:journal={JOURNAL},seed=7"
SEGMENT = 16 << 10


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def once(capsys, config: Path, stick: Path, state_dir: Path, port: str = PORT):
    return run(capsys, "kit", "once", "--port", port, "--media", str(stick), "--config",
               str(config), "--state-dir", str(state_dir), "--json")


def decrypted_records(set_dir: Path, office_key: tuple[str, str]) -> int:
    from posdiag.backup.verify import verify_set
    from posdiag.crypto.age import parse_identity

    report = verify_set(set_dir, [parse_identity(office_key[0])])
    assert report.ok, report.problems
    assert report.complete
    return report.records or 0


def no_signal(config) -> StateSignal:
    return StateSignal(config.hook)


# --- the happy path -------------------------------------------------------------------------


def test_kit_once_backs_up_verifies_and_says_so(capsys, write_config, stick, state_dir,
                                                office_key) -> None:
    code, out, err = once(capsys, write_config(), stick, state_dir)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["records"] == JOURNAL and summary["verified"] and summary["totals_agree"]
    assert summary["resumed_from"] == 0
    assert summary["state"] == "done"  # a temp folder is not a USB stick: not powered off
    set_dir = Path(summary["set_dir"])
    assert set_dir.parent == stick and set_dir.name.startswith("posdiag-")
    assert decrypted_records(set_dir, office_key) == JOURNAL
    # The journal log lines: every state, in order.
    states = [line.split("state ", 1)[1].split(":", 1)[0] for line in err.splitlines()
              if "posdiag kit: state " in line]
    assert states == ["identifying", "backing-up", "verifying", "syncing", "done"]


def test_a_second_cycle_after_a_complete_one_makes_a_new_set(capsys, write_config, stick,
                                                            state_dir) -> None:
    config = write_config()
    first = json.loads(once(capsys, config, stick, state_dir)[1])
    second = json.loads(once(capsys, config, stick, state_dir)[1])
    assert Path(second["set_dir"]).name == Path(first["set_dir"]).name + "-2"
    assert second["resumed_from"] == 0


def test_the_kit_holds_no_identity_and_cannot_decrypt(capsys, write_config, stick, state_dir,
                                                      office_key) -> None:
    """Only public recipients and the kit's Ed25519 signing key are on the kit."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from posdiag.crypto.age import NoIdentityMatch, decrypt_stream, parse_identity

    config_path = write_config()
    code, out, _err = once(capsys, config_path, stick, state_dir)
    assert code == 0
    kit_paths = [config_path, *state_dir.rglob("*")]
    for path in kit_paths:
        if path.is_file():
            assert b"AGE-SECRET-KEY" not in path.read_bytes().upper(), path
    keys = [p for p in state_dir.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    assert len(keys) == 1
    assert isinstance(load_pem_private_key(keys[0].read_bytes(), None), Ed25519PrivateKey)
    # The only private material the kit has is no age identity: it cannot open a segment.
    config = load_kit_config(config_path)
    assert all(r.startswith("age1") for r in config.recipients)
    segment = next(Path(json.loads(out)["set_dir"]).glob("journal-*.age"))
    from posdiag.crypto.age import generate_identity

    stranger = parse_identity(generate_identity()[0])  # any key but the office's
    with open(segment, "rb") as src, pytest.raises(NoIdentityMatch):
        decrypt_stream(src, io.BytesIO(), [stranger])
    with open(segment, "rb") as src:
        decrypt_stream(src, io.BytesIO(), [parse_identity(office_key[0])])


# --- interruptions and resume ---------------------------------------------------------------


def test_a_stick_pulled_mid_backup_then_a_resumed_cycle_completes(capsys, write_config, stick,
                                                                  state_dir, office_key) -> None:
    config = load_kit_config(write_config())
    signal = StateSignal()
    pulled = VanishingMedium(budget=45_000)  # dies in the third 16 KiB segment
    with pytest.raises(MediaRemoved) as caught:
        run_cycle(config, PORT, stick, state_dir=state_dir, signal=signal, medium=pulled,
                  segment_bytes=SEGMENT)
    assert caught.value.exit_code == 4
    assert pulled.gone and signal.history[-1] == signals.FAILED
    assert not is_locked(lock_path(state_dir))  # the lock went with the failed cycle
    # The stick comes back: the next cycle finds the unfinished set and resumes it.
    code, out, err = once(capsys, write_config(), stick, state_dir)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["resumed_from"] > 0
    assert "resuming the backup" in err
    assert [p.name for p in stick.iterdir()] == [Path(summary["set_dir"]).name]
    assert decrypted_records(Path(summary["set_dir"]), office_key) == JOURNAL


def test_a_cable_pull_commits_what_arrived_and_the_next_cycle_resumes(capsys, write_config,
                                                                     stick, state_dir,
                                                                     office_key) -> None:
    config = load_kit_config(write_config())
    signal = StateSignal()
    with pytest.raises(LinkError) as caught:
        run_cycle(config, PORT + ",fault=disconnect@40000", stick, state_dir=state_dir,
                  signal=signal, segment_bytes=SEGMENT)
    assert caught.value.exit_code == 3 and signal.history[-1] == signals.FAILED
    code, out, err = once(capsys, write_config(), stick, state_dir)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["resumed_from"] > 0
    assert decrypted_records(Path(summary["set_dir"]), office_key) == JOURNAL


def test_another_kits_unfinished_set_is_kept_and_a_new_set_is_started(
        capsys, write_config, stick, tmp_path, office_key, kit_log_lines) -> None:
    """A stick brought from another kit with its backup unfinished: this kit may not extend
    that set (its key is pinned by the first generation), and a headless kit has nobody to
    ask, so it leaves the set as evidence and backs up into a new folder."""
    config = load_kit_config(write_config())
    with pytest.raises(MediaRemoved):
        run_cycle(config, PORT, stick, state_dir=tmp_path / "other-kit", signal=StateSignal(),
                  medium=VanishingMedium(budget=45_000), segment_bytes=SEGMENT)
    [foreign] = list(stick.iterdir())
    before = sorted(p.name for p in foreign.iterdir())
    code, out, err = once(capsys, write_config(), stick, tmp_path / "this-kit")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["resumed_from"] == 0 and Path(summary["set_dir"]) != foreign
    assert sorted(p.name for p in foreign.iterdir()) == before  # untouched, kept as evidence
    assert "written by another kit" in kit_log_lines.text
    assert decrypted_records(Path(summary["set_dir"]), office_key) == JOURNAL


def test_power_loss_mid_backup_then_the_next_cycle_resumes(write_config, stick,
                                                          state_dir) -> None:
    """Power loss = the kit process is killed (SIGKILL: no cleanup) after a committed segment."""
    config_path = write_config()
    slow_port = PORT + ",baud=115200"  # paced like a real line, so the kill lands mid-backup
    code = (
        "from pathlib import Path\n"
        "from posdiag.kit.config import load_kit_config\n"
        "from posdiag.kit.cycle import run_cycle\n"
        f"run_cycle(load_kit_config(Path({str(config_path)!r})), {slow_port!r}, "
        f"Path({str(stick)!r}), state_dir=Path({str(state_dir)!r}), segment_bytes={SEGMENT})\n"
    )
    victim = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a guard against hanging, not an assertion
        while not list(stick.glob("*/manifest-000002.json.minisig")):
            assert victim.poll() is None, "the cycle ended before it could be interrupted"
            assert time.monotonic() < deadline, "no segment was committed within a minute"
            time.sleep(0.05)
    finally:
        victim.kill()
        victim.wait()
    assert not is_locked(lock_path(state_dir))  # the kernel dropped the dead cycle's lock
    result = run_cycle(load_kit_config(config_path), PORT, stick, state_dir=state_dir,
                       signal=StateSignal(), segment_bytes=SEGMENT)
    assert result.resumed_from > 0 and result.records == JOURNAL and result.verified


# --- one cycle at a time --------------------------------------------------------------------


def test_a_second_cycle_is_refused_while_one_holds_the_lock(capsys, write_config, stick,
                                                            state_dir) -> None:
    with cycle_lock(lock_path(state_dir)):
        assert is_locked(lock_path(state_dir))
        code, _out, err = once(capsys, write_config(), stick, state_dir)
    assert code == 2
    assert "Another kit cycle is running" in err
    assert not list(stick.iterdir())  # nothing was touched
    assert not is_locked(lock_path(state_dir))


def test_the_lock_is_held_by_another_process_too(tmp_path, state_dir) -> None:
    path = lock_path(state_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from posdiag.kit.lock import cycle_lock\n"
         f"with cycle_lock(Path({str(path)!r})):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match="Another kit cycle"), cycle_lock(path):
            pass
    finally:
        holder.communicate("")  # closing stdin ends the holder, which drops the lock
    with cycle_lock(path):
        pass


# --- configuration problems -----------------------------------------------------------------


def test_kit_once_with_a_bad_config_is_a_usage_error(capsys, write_config, stick,
                                                     state_dir) -> None:
    code, _out, err = once(capsys, write_config('colour = "red"'), stick, state_dir)
    assert code == 2
    assert "unknown setting(s) colour" in err
    assert len(err.strip().splitlines()) == 1
    assert not list(stick.iterdir())


# --- signalling, plan and eject -------------------------------------------------------------


def test_the_hook_is_run_with_every_state(write_config, stick, state_dir, tmp_path) -> None:
    seen = tmp_path / "states.txt"
    hook = [sys.executable, "-c",
            f"import sys; open({str(seen)!r}, 'a').write(sys.argv[1] + '\\n')"]
    config = load_kit_config(write_config(f"hook = {json.dumps(hook)}"))
    run_cycle(config, PORT, stick, state_dir=state_dir, segment_bytes=SEGMENT)
    assert seen.read_text().split() == ["identifying", "backing-up", "verifying", "syncing",
                                        "done"]


def test_a_failing_hook_never_stops_the_cycle(write_config, stick, state_dir, caplog) -> None:
    config = load_kit_config(write_config('hook = ["false"]'))
    result = run_cycle(config, PORT, stick, state_dir=state_dir, segment_bytes=SEGMENT)
    assert result.verified
    assert "status hook false exited with 1" in caplog.text


def test_a_failed_plan_is_signalled_and_the_stick_still_ejected(write_config, stick, state_dir,
                                                                tmp_path) -> None:
    plan = tmp_path / "etc" / "plan.toml"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text("# test plan\n")
    config = load_kit_config(write_config(f'plan = "{plan}"'))
    calls = []

    def plan_runner(path: Path, port: str, records: Path) -> PlanOutcome:
        calls.append((path, port, records))
        return PlanOutcome(False, "the plan failed (test)")

    signal = StateSignal()
    result = run_cycle(config, PORT, stick, state_dir=state_dir, signal=signal,
                       segment_bytes=SEGMENT, plan_runner=plan_runner,
                       ejector=lambda root: EjectOutcome(True, True, "ejected (test)"))
    assert calls == [(plan, PORT, stick / "posdiag-records")]
    assert result.plan_passed is False
    assert signal.history[-4:] == [signals.TESTING, signals.TEST_FAILED, signals.SYNCING,
                                   signals.SAFE_TO_REMOVE]


def test_eject_unmounts_then_powers_off_a_usb_stick(tmp_path, stick) -> None:
    device = fake_usb_stick_sysfs(tmp_path / "sys")
    mounts = f"/dev/mmcblk0p2 / ext4 rw 0 0\n{device} {stick} vfat rw 0 0\n"
    commands = []

    def fake_run(argv, **_kw):
        commands.append(argv)
        return subprocess.CompletedProcess(argv, 0, "", "")

    outcome = eject(stick / "posdiag-x", mounts_text=mounts, sys_root=tmp_path / "sys",
                    run=fake_run, which=lambda name: f"/usr/bin/{name}", sync=lambda: None)
    assert outcome.safe and outcome.powered_off
    assert commands == [
        ["/usr/bin/udisksctl", "unmount", "--no-user-interaction", "-b", device],
        ["/usr/bin/udisksctl", "power-off", "--no-user-interaction", "-b", device],
    ]


def test_a_busy_stick_is_never_called_safe(tmp_path, stick) -> None:
    device = fake_usb_stick_sysfs(tmp_path / "sys")

    def busy(argv, **_kw):
        return subprocess.CompletedProcess(argv, 1, "", "Error unmounting: target is busy")

    outcome = eject(stick, mounts_text=f"{device} {stick} vfat rw 0 0\n",
                    sys_root=tmp_path / "sys", run=busy, which=lambda n: n, sync=lambda: None)
    assert not outcome.safe and "target is busy" in outcome.message


def test_the_system_disk_and_missing_udisksctl_are_never_ejected(tmp_path, stick) -> None:
    def must_not_run(argv, **_kw):
        raise AssertionError(argv)

    on_root = eject(stick, mounts_text="/dev/mmcblk0p2 / ext4 rw 0 0\n",
                    sys_root=tmp_path / "sys", run=must_not_run, which=lambda n: n,
                    sync=lambda: None)
    assert not on_root.safe and "not on a mounted USB stick" in on_root.message
    device = fake_usb_stick_sysfs(tmp_path / "sys")
    no_tool = eject(stick, mounts_text=f"{device} {stick} vfat rw 0 0\n",
                    sys_root=tmp_path / "sys", run=must_not_run, which=lambda n: None,
                    sync=lambda: None)
    assert not no_tool.safe and "udisksctl is not installed" in no_tool.message
