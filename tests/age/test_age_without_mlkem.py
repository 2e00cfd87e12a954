"""Where pyca/cryptography has no ML-KEM (Debian 12's 38 on a 32-bit Pi): hybrid keys fail
with one sentence naming the version to install; classic keys keep working.

One interpreter cannot hold two cryptography versions, so each case runs posdiag in a
child process. The fast tests simulate the two ways ML-KEM can be missing in the installed
cryptography 50: no ``mlkem`` module at all (before 47.0), or a module whose library lacks the
algorithm (47.x wheels, distribution builds on OpenSSL < 3.5). The slow test installs the
real cryptography 38.0.4 into a throw-away virtual environment and runs posdiag on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from posdiag import age_files
from posdiag.crypto import age

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = "cryptography 48.0 or newer"

# Runs `posdiag ARGS` after making ML-KEM unavailable the way MODE says.
_HIDE_MLKEM = textwrap.dedent("""
    import sys
    mode = sys.argv.pop(1)
    import cryptography.hazmat.primitives.asymmetric as asymmetric
    import cryptography.hazmat.primitives.asymmetric.types  # imports mlkem itself (>= 47)
    name = "cryptography.hazmat.primitives.asymmetric.mlkem"
    if mode == "no-module":
        sys.modules[name] = None  # `from ... import mlkem` now raises ImportError
        if hasattr(asymmetric, "mlkem"):
            del asymmetric.mlkem
    elif mode == "no-algorithm":
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import mlkem

        def refuse(*args, **kwargs):
            raise UnsupportedAlgorithm("ML-KEM-768 is not supported by this backend.")

        for cls in (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey):
            for method in ("generate", "from_seed_bytes", "from_public_bytes"):
                if hasattr(cls, method):
                    setattr(cls, method, staticmethod(refuse))
    from posdiag.cli import main
    sys.argv[0] = "posdiag"
    main()
""")

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path | str]:
    """A hybrid and a classic identity file (test material), made with full ML-KEM here."""
    from datetime import UTC, datetime

    hybrid, classic = tmp_path / "pq.key", tmp_path / "classic.key"
    return {
        "hybrid": hybrid,
        "hybrid_recipient": age_files.write_identity_file(hybrid, now=datetime.now(UTC),
                                                          post_quantum=True),
        "classic": classic,
        "classic_recipient": age_files.write_identity_file(classic, now=datetime.now(UTC)),
    }


def _encrypt(path: Path, data: bytes, recipients: Sequence[age.Recipient]) -> Path:
    from posdiag.crypto.age.encrypt import _encrypt_with

    file_key, nonce = os.urandom(16), os.urandom(16)
    stanzas = [s for r in recipients for s in r.wrap(file_key)]
    with path.open("wb") as out, _encrypt_with(file_key, nonce, stanzas, out) as writer:
        writer.write(data)  # _encrypt_with: a mixed file, as another tool might write one
    return path


def _check_without_mlkem(run: Runner, tmp_path: Path, keys: dict[str, Path | str]) -> None:
    hybrid, classic = keys["hybrid"], keys["classic"]
    hybrid_recipient = age.parse_recipient(str(keys["hybrid_recipient"]))
    classic_recipient = age.parse_recipient(str(keys["classic_recipient"]))

    def refused(result: subprocess.CompletedProcess[str]) -> None:
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and REQUIRED in result.stderr, result.stderr
        assert "Traceback" not in result.stderr

    # Hybrid keys: one sentence naming the version, nothing written.
    refused(run("keygen", "--pq", "-o", tmp_path / "new.key"))
    assert not (tmp_path / "new.key").exists()
    refused(run("keygen", "--pq"))
    blob = _encrypt(tmp_path / "pq.age", b"journal", [hybrid_recipient])
    refused(run("decrypt", blob, "-i", hybrid))
    refused(run("backup", "--port", "sim", "--to", tmp_path / "set", "-r",
                str(keys["hybrid_recipient"])))
    assert not (tmp_path / "set").exists()
    config = tmp_path / "kit.toml"
    config.write_text(f'recipients = ["{keys["hybrid_recipient"]}"]\n')
    refused(run("kit", "once", "--config", config, "--port", "sim", "--media", tmp_path))

    # Classic keys: unchanged, even on a file that also carries a hybrid stanza.
    made = run("keygen", "-o", tmp_path / "new-classic.key")
    assert made.returncode == 0 and made.stdout.startswith("age1"), made.stderr
    blob = _encrypt(tmp_path / "classic.age", b"journal", [classic_recipient])
    result = run("decrypt", blob, "-i", classic)
    assert (result.returncode, result.stdout) == (0, "journal"), result.stderr
    blob = _encrypt(tmp_path / "mixed.age", b"both", [hybrid_recipient, classic_recipient])
    result = run("decrypt", blob, "-i", classic)
    assert (result.returncode, result.stdout) == (0, "both"), result.stderr


def _runner(command: Sequence[str], env: dict[str, str]) -> Runner:
    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=120, cwd=ROOT)
    return run


@pytest.mark.parametrize("mode", ["no-module", "no-algorithm"])
def test_hybrid_keys_need_mlkem_and_classic_keys_do_not(mode: str, tmp_path: Path,
                                                         keys: dict[str, Path | str]) -> None:
    env = {**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config"), "LANG": "C"}
    _check_without_mlkem(_runner([sys.executable, "-c", _HIDE_MLKEM, mode], env), tmp_path, keys)


def test_the_simulation_hides_mlkem_only(tmp_path: Path, keys: dict[str, Path | str]) -> None:
    """Guard for the test above: with mode "none" the same runner has ML-KEM."""
    env = {**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config"), "LANG": "C"}
    run = _runner([sys.executable, "-c", _HIDE_MLKEM, "none"], env)
    made = run("keygen", "--pq")
    assert made.returncode == 0 and "AGE-SECRET-KEY-PQ-1" in made.stdout, made.stderr


@pytest.mark.slow
def test_on_the_real_cryptography_38(tmp_path: Path, keys: dict[str, Path | str]) -> None:
    """Debian 12's version, installed for real; posdiag runs from this checkout."""
    env_dir = tmp_path / "venv-38"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # this pip installs into it: faster
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
         "--disable-pip-version-check",
         "--only-binary=:all:", "cryptography==38.0.4", "click>=8.1", "pyserial>=3.5",
         "pyusb>=1.2"], capture_output=True, text=True, timeout=600)
    if install.returncode != 0:
        message = f"could not install cryptography 38 from PyPI: {install.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    version = subprocess.run([python, "-c", "import cryptography; print(cryptography.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "38.0.4"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POSDIAG_CONFIG_DIR": str(tmp_path / "config"),
           "LANG": "C"}
    env.pop("PYTHONHOME", None)
    _check_without_mlkem(_runner([str(python), "-m", "posdiag"], env), tmp_path, keys)
