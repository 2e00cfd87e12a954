"""`posdiag kit run`: the service's steps (bad config, waiting, one backup per plug-in, retry)."""

from __future__ import annotations

import functools
import os
import queue
import signal as os_signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from kit_fakes import VanishingMedium

from posdiag.backup.media import MountedMedium
from posdiag.kit import service as svc
from posdiag.kit.cycle import run_cycle
from posdiag.kit.service import KitService

PORT = "sim:journal=120,seed=5"
SEGMENT = 8 << 10


class Plugs:
    """What the service sees plugged in; tests plug and unplug by setting attributes."""

    def __init__(self, stick: Path) -> None:
        self.port: str | None = PORT
        self.stick: Path | None = stick

    def find_port(self) -> str | None:
        return self.port

    def find_media(self) -> MountedMedium | None:
        if self.stick is None:
            return None
        return MountedMedium("/dev/sdz1", self.stick, "vfat", "sdz", True, True)


def make_service(config: Path, state_dir: Path, plugs: Plugs, cycle=None) -> KitService:
    cycle = cycle or functools.partial(run_cycle, segment_bytes=SEGMENT)
    return KitService(config, state_dir, find_port=plugs.find_port,
                      find_media=plugs.find_media, cycle=cycle)


def states(caplog: pytest.LogCaptureFixture, state: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"state {state}:")]


def test_an_invalid_config_is_logged_once_and_reread_until_fixed(write_config, stick, state_dir,
                                                                 caplog) -> None:
    config = write_config('port = "auto"', "colour = 1")
    plugs = Plugs(stick)
    service = make_service(config, state_dir, plugs)
    assert [service.step() for _ in range(3)] == [svc.CONFIG_INVALID] * 3
    lines = states(caplog, "config-invalid")
    assert len(lines) == 1 and "unknown setting(s) colour" in lines[0]
    assert "Waiting for a fixed config" in lines[0]
    write_config('port = "auto"', 'media = 5')  # another problem: logged again
    service.step()
    assert len(states(caplog, "config-invalid")) == 2
    write_config('port = "auto"')  # fixed: the next step backs up
    assert service.step() == svc.DONE
    assert "is valid again" in caplog.text
    assert not list(state_dir.rglob("*AGE-SECRET*"))


def test_one_plug_in_gives_one_backup(write_config, stick, state_dir, caplog) -> None:
    plugs = Plugs(stick)
    service = make_service(write_config(), state_dir, plugs)
    assert service.step() == svc.DONE
    assert [service.step() for _ in range(3)] == [svc.IDLE] * 3  # still plugged in: no repeat
    assert len(list(stick.iterdir())) == 1
    plugs.stick = None  # the technician pulls the stick ...
    assert service.step() == svc.WAITING
    assert states(caplog, "waiting")[-1] == "state waiting: plug in a stick"
    plugs.stick = stick  # ... and plugs it (or another one) in again
    assert service.step() == svc.DONE
    assert len(list(stick.iterdir())) == 2


def test_waiting_is_signalled_once_per_change(write_config, stick, state_dir, caplog) -> None:
    plugs = Plugs(stick)
    plugs.port = plugs.stick = None
    service = make_service(write_config(), state_dir, plugs)
    assert [service.step() for _ in range(3)] == [svc.WAITING] * 3
    plugs.stick = stick
    service.step()
    assert states(caplog, "waiting") == ["state waiting: plug in a terminal and a stick",
                                         "state waiting: plug in a terminal"]


def test_a_failed_cycle_is_retried_and_resumes(write_config, stick, state_dir, caplog) -> None:
    calls = []

    def cycle(*args, **kwargs):
        calls.append(1)
        medium = VanishingMedium(budget=20_000) if len(calls) == 1 else None
        return run_cycle(*args, medium=medium, segment_bytes=SEGMENT, **kwargs)

    service = make_service(write_config(), state_dir, Plugs(stick), cycle)
    assert service.step() == svc.FAILED
    assert "state failed: The medium failed or was removed" in caplog.text
    assert service.step() == svc.DONE
    assert "resuming the backup" in caplog.text
    assert len(list(stick.iterdir())) == 1


def test_a_cycle_running_elsewhere_makes_the_service_wait(write_config, stick,
                                                         state_dir) -> None:
    from posdiag.kit.lock import cycle_lock, lock_path

    service = make_service(write_config(), state_dir, Plugs(stick))
    with cycle_lock(lock_path(state_dir)):
        assert service.step() == svc.BUSY
    assert service.step() == svc.DONE


def test_run_pauses_longer_after_a_failure(write_config, stick, state_dir) -> None:
    class CountingStop(threading.Event):
        def __init__(self, steps: int) -> None:
            super().__init__()
            self.steps, self.pauses = steps, []

        def wait(self, timeout=None) -> bool:
            self.pauses.append(timeout)
            if len(self.pauses) >= self.steps:
                self.set()
            return self.is_set()

    outcomes = iter([svc.FAILED, svc.WAITING])
    service = make_service(write_config(), state_dir, Plugs(stick))
    service.step = lambda: next(outcomes)  # type: ignore[method-assign]
    stop = CountingStop(2)
    service.run(stop, poll=1.0, retry=30.0)
    assert stop.pauses == [30.0, 1.0]


def test_kit_run_stays_up_on_a_bad_config_and_stops_on_sigterm(write_config, state_dir) -> None:
    """The real command in a process: one config line, waits, picks up the fix, exits on TERM."""
    config = write_config("colour = 1")
    env = dict(os.environ, POSDIAG_CONFIG_DIR=str(state_dir))
    env.pop("JOURNAL_STREAM", None)
    proc = subprocess.Popen([sys.executable, "-m", "posdiag", "kit", "run", "--config",
                             str(config), "--poll", "0.1"], stderr=subprocess.PIPE, text=True,
                            env=env)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr],
                              daemon=True)  # the only reader of the pipe
    reader.start()
    seen: list[str] = []
    try:
        fixed = False
        while True:
            line = lines.get(timeout=60)  # a guard against hanging, not an assertion on time
            seen.append(line)
            if "state config-invalid" in line and not fixed:
                # Fixed while the service runs; it then looks for the stick folder and fails
                # (there is none here), which is the next state line.
                write_config('port = "tcp://127.0.0.1:9"', 'media = "/nonexistent-stick"')
                fixed = True
            elif fixed and "posdiag kit: state " in line:
                break
        proc.send_signal(os_signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    while not lines.empty():
        seen.append(lines.get())
    text = "".join(seen)
    assert proc.returncode == 0, text
    assert text.count("state config-invalid") == 1
    assert "is valid again" in text
    assert "state failed: The stick folder /nonexistent-stick is not there" in text
    assert "Traceback" not in text


def test_sigterm_stops_the_wait_even_if_it_lands_before_the_wait_blocks() -> None:
    """A signal that arrives before select() still ends the wait (self-pipe, no deadlock)."""
    from posdiag.kit.service import SignalStop

    previous = os_signal.getsignal(os_signal.SIGTERM)
    with SignalStop() as stop:
        assert not stop.is_set()
        os.kill(os.getpid(), os_signal.SIGTERM)  # delivered now, before wait() is called
        assert stop.wait(60) is True
    assert os_signal.getsignal(os_signal.SIGTERM) is previous


def test_the_kit_journal_speaks_the_language_of_its_config(write_config, stick, state_dir,
                                                           caplog) -> None:
    """kit.toml `language = "zh-CN"`: the journal lines of the service (states, messages) are
    Chinese for a technician who reads Chinese first, whatever the unit's environment says."""
    plugs = Plugs(stick)
    plugs.port = None
    service = make_service(write_config('language = "zh-CN"'), state_dir, plugs)
    assert service.step() == svc.WAITING
    [waiting] = states(caplog, "waiting")
    assert waiting == "state waiting: " + chinese("plug in a terminal")
    assert "plug in" not in waiting


def test_a_language_posdiag_does_not_speak_is_a_config_problem(write_config, state_dir,
                                                              caplog) -> None:
    service = make_service(write_config('language = "tlh"'), state_dir, Plugs(None))
    assert service.step() == svc.CONFIG_INVALID
    assert "language = 'tlh' is not one posdiag speaks" in caplog.text


def chinese(message: str) -> str:
    from posdiag.i18n import _, use_language

    with use_language("zh-CN"):
        translated = _(message)
    assert translated != message, f"{message!r} has no zh_CN translation"
    return translated
