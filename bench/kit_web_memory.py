"""Benchmark: memory (RSS) of `posdiag kit serve` while a kit cycle runs (target: 60 MB).

The page is a second process beside the kit service on a Pi Zero 2 (512 MB), so what it
adds is its own resident memory. This starts `posdiag kit serve` on 127.0.0.1, signs in,
keeps two phones watching it (one on Server-Sent Events of Now, one polling /fragment and
opening every page), and runs one `posdiag kit once` against an emulated terminal in its own
`posdiag simulate --tcp` process. Peaks come from VmHWM in /proc (the server) and wait4(2)
(the cycle); the reference, measured in the same run, is a bare interpreter that imports
posdiag and is asked for its version. Not a test: numbers only; exit 1 past the limit.

    python bench/kit_web_memory.py                  # 60000 records ≈ 15 MiB
    python bench/kit_web_memory.py --records 5000   # a quick look
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

LIMIT_BYTES = 60 * 1000 * 1000  # "under 60 MB RSS on top of the cycle"


def vm(pid: int, field: str) -> int:
    """VmRSS or VmHWM of a process in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reference_rss() -> int:
    """Peak RSS of `python -c 'import posdiag.cli'` asked for its version (wait4)."""
    child = subprocess.Popen([sys.executable, "-m", "posdiag", "--version"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage.ru_maxrss * 1024


class Phone:
    """A browser's requests, with the session cookie; counts what it got."""

    def __init__(self, base: str, secret: str) -> None:
        self.base = base
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(f"{base}/?k={secret}", timeout=10).read()
        self.opener = opener
        self.responses = 0
        self.events = 0

    def watch(self, stop: threading.Event) -> None:
        with self.opener.open(f"{self.base}/events?view=now", timeout=30) as stream:
            while not stop.is_set():
                line = stream.readline()
                if not line:
                    return
                if line.startswith(b"event: regions"):
                    self.events += 1

    def browse(self, stop: threading.Event) -> None:
        pages = ("/", "/prompts", "/kit", "/cases", "/fragment?view=now",
                 "/fragment?view=prompts")
        while not stop.is_set():
            for page in pages:
                self.opener.open(self.base + page, timeout=10).read()
                self.responses += 1
            stop.wait(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60_000,
                        help="journal records in the emulated terminal (~250 bytes each)")
    args = parser.parse_args()
    from posdiag.crypto.age import generate_identity
    from posdiag.kit.web.auth import new_secret, write_secret

    reference = reference_rss()
    with tempfile.TemporaryDirectory(prefix="posdiag-kit-web-bench-") as scratch:
        root = Path(scratch)
        (root / "stick").mkdir()
        config = root / "kit.toml"
        config.write_text(f'recipients = ["{generate_identity()[1]}"]\n')  # throwaway key
        secret = new_secret()
        write_secret(root / "web.secret", secret)
        port = free_port()
        env = dict(os.environ, POSDIAG_CONFIG_DIR=str(root / "state"))
        server = subprocess.Popen(
            [sys.executable, "-m", "posdiag", "kit", "serve", "--listen", "127.0.0.1",
             "--web-port", str(port), "--state-dir", str(root / "state"), "--secret-file",
             str(root / "web.secret"), "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        sim = subprocess.Popen([sys.executable, "-m", "posdiag", "simulate", "--tcp",
                                "127.0.0.1:0", "--journal", str(args.records), "--seed", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            assert server.stderr is not None and sim.stdout is not None
            while b"listening on" not in server.stderr.readline():
                if server.poll() is not None:
                    raise SystemExit("kit serve did not start")
            idle = vm(server.pid, "VmRSS")
            terminal = sim.stdout.readline().strip()
            base = f"http://127.0.0.1:{port}"
            watcher, browser = Phone(base, secret), Phone(base, secret)
            threads = [threading.Thread(target=watcher.watch, args=(stop,), daemon=True),
                       threading.Thread(target=browser.browse, args=(stop,), daemon=True)]
            for thread in threads:
                thread.start()
            started = time.monotonic()
            cycle = subprocess.Popen(
                [sys.executable, "-m", "posdiag", "kit", "once", "--port", terminal,
                 "--media", str(root / "stick"), "--config", str(config), "--state-dir",
                 str(root / "state"), "--json"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            _pid, status, usage = os.wait4(cycle.pid, 0)
            cycle.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - started
            time.sleep(1.0)  # the last states reach the phones
            peak = vm(server.pid, "VmHWM")
            during = vm(server.pid, "VmRSS")
        finally:
            stop.set()
            server.terminate()
            sim.terminate()
            server.wait()
            sim.wait()
    cycle_peak = usage.ru_maxrss * 1024
    print(f"kit cycle        {args.records} records in {seconds:.0f} s, exit {cycle.returncode}, "
          f"peak RSS {cycle_peak / 1e6:.1f} MB")
    print(f"phones           {watcher.events} live updates (SSE), {browser.responses} pages "
          "and fragments")
    print(f"reference        `posdiag --version`: peak RSS {reference / 1e6:.1f} MB")
    print(f"kit serve        idle {idle / 1e6:.1f} MB, after the cycle {during / 1e6:.1f} MB, "
          f"peak {peak / 1e6:.1f} MB = {peak / reference:.2f} x reference, "
          f"{peak / cycle_peak:.2f} x the cycle")
    print(f"limit            {LIMIT_BYTES / 1e6:.0f} MB on top of the cycle: "
          f"{'ok' if peak <= LIMIT_BYTES else 'TOO MUCH'}")
    return 0 if peak <= LIMIT_BYTES and cycle.returncode in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
