"""The process boundary: what the CLI writes as text is masked line by line; bytes are not.

Unit tests of posdiag.cli.streams first (a PAN split over writes, flushes, posdiag's own
progress line), then the real command line as a subprocess. Test PANs only.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from pan_scan import TEST_PAN, assert_no_card_numbers

from posdiag.cli.streams import MAX_HELD, MaskingTextStream


def stream() -> tuple[MaskingTextStream, io.TextIOWrapper, io.BytesIO]:
    raw = io.BytesIO()
    target = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    return MaskingTextStream(target), target, raw


def test_a_pan_written_in_pieces_is_masked_as_one_line() -> None:
    masked, _, raw = stream()
    for piece in ("card 4761", "7390", "01010", "010 ok\n"):
        masked.write(piece)
        masked.flush()  # click flushes after every echo
    assert raw.getvalue() == b"card 476173******0010 ok\n"


def test_flush_shows_a_prompt_but_holds_a_trailing_number() -> None:
    masked, _, raw = stream()
    masked.write("Passphrase: ")
    masked.flush()
    assert raw.getvalue() == b"Passphrase: "
    masked.write("number 47617390")
    masked.flush()
    assert raw.getvalue() == b"Passphrase: number "
    masked.drain()
    assert raw.getvalue() == b"Passphrase: number 47617390"


def test_the_progress_line_keeps_its_carriage_return_and_erase_but_foreign_escapes_go() -> None:
    masked, _, raw = stream()
    masked.write("\rjournal 1.00 MiB  12 records\x1b[K")
    masked.flush()
    masked.write("\x1b]0;owned\x07 \x1b[2J \u202e \x9b31m\n")
    assert raw.getvalue().decode() == ("\rjournal 1.00 MiB  12 records\x1b[K"
                                       "\\u001b]0;owned\\u0007 \\u001b[2J \\u202e \\u009b31m\n")


def test_an_endless_line_is_written_in_pieces_and_still_masked() -> None:
    masked, _, raw = stream()
    masked.write("x" * (MAX_HELD + 10) + " " + TEST_PAN)
    assert len(raw.getvalue()) >= MAX_HELD  # memory stays bounded
    masked.drain()
    assert_no_card_numbers(raw.getvalue().decode())


def test_bytes_pass_unchanged_and_in_order() -> None:
    masked, _, raw = stream()
    masked.write("before\nheld ")
    masked.buffer.write(TEST_PAN.encode() + b"\xff\n")
    assert raw.getvalue() == b"before\nheld " + TEST_PAN.encode() + b"\xff\n"


def test_an_ascii_terminal_still_gets_masked_text() -> None:
    raw = io.BytesIO()
    target = io.TextIOWrapper(raw, encoding="ascii")
    masked = MaskingTextStream(target)
    assert masked.encoding == "utf-8"  # so click does not re-wrap the buffer around us
    masked.write(f"card {TEST_PAN} \u00e9\n")
    masked.drain()
    assert raw.getvalue() == "card 476173******0010 \u00e9\n".encode()


# --- the real command line -----------------------------------------------------------------


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posdiag", *args], capture_output=True,
                          timeout=120, env={**os.environ, "LC_ALL": "C.UTF-8"}, **kwargs)


def test_an_error_message_quoting_a_card_number_is_masked(tmp_path: Path) -> None:
    where = tmp_path / f"set-{TEST_PAN}"
    for debug in ([], ["--debug"]):
        result = run(*debug, "verify", str(where))
        assert result.returncode != 0
        assert b"476173******0010" in result.stderr
        assert_no_card_numbers(result.stderr.decode() + result.stdout.decode())
    assert b"Traceback" in result.stderr  # --debug still shows where it failed


def test_decrypt_to_stdout_is_byte_exact(tmp_path: Path) -> None:
    """Binary output is not text: the age tool's plaintext passes unchanged, PAN and all
    (it is the office's own file, decrypted on request)."""
    from posdiag.crypto.age import encrypt_stream, generate_identity, parse_recipient

    secret, recipient = generate_identity()
    key = tmp_path / "k.key"
    key.write_text(secret + "\n")
    plaintext = b"line 1\r\n" + TEST_PAN.encode() + b"\x00\xff\x1b[2J\n" + bytes(range(256))
    with open(tmp_path / "plain.age", "wb") as out:
        encrypt_stream(io.BytesIO(plaintext), out, [parse_recipient(recipient)])
    result = run("decrypt", str(tmp_path / "plain.age"), "-i", str(key))
    assert result.returncode == 0, result.stderr
    assert result.stdout == plaintext


def test_holding_back_a_number_costs_linear_time() -> None:
    # "1 1 1 … x": every position starts a would-be run; a regex search from each would be
    # quadratic in the line (64 KiB → billions of steps, past the suite's per-test timeout).
    # The walk back is one pass. Speed itself is measured in bench/, not asserted here.
    masked, _, raw = stream()
    line = "1 " * (MAX_HELD // 2 - 8) + "x"
    for _ in range(20):
        masked.write(line)
        masked.flush()
    masked.drain()
    assert raw.getvalue().count(b"x") == 20
