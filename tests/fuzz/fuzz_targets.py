"""Every decoder and loader that reads bytes a hostile stick, terminal, printer or file can
hold, with its entry function and the errors it may raise: one list for the suite's fuzz
slice (tests/fuzz/test_fuzz_slice.py, hypothesis) and for `make fuzz` (tests/fuzz/run_fuzz.py,
atheris), so both drive the same targets.

The rule each target is held to (issue 10, design.md "Parsers never crash or hang"):
whatever the bytes, the entry returns or raises one of its ``allowed`` errors (a
posdiag.errors.PosdiagError subclass, or the module's documented error), within a bounded
time per input and bounded memory. Seeds are well-formed inputs made by posdiag's own
writers (a backup set, a case, age files, frames), so mutations start from the real
formats; they are made once per process.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import re
import shutil
import signal
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.errors import (
    BadInput,
    DecryptionError,
    PlanError,
    PosdiagError,
    ProtocolError,
    UsageError,
    VerificationError,
)

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent


@dataclass(frozen=True)
class Target:
    name: str
    entry: Callable[[bytes], object]  # the decoder, fed the raw bytes of one input
    allowed: tuple[type[BaseException], ...]  # what it may raise; anything else is a finding
    seeds: Callable[[], list[bytes]]  # well-formed inputs to mutate from
    max_size: int = 4096  # inputs are cut to this (bigger ones are the hostile-size tests')
    text: bool = False  # a text format: mutations also splice tokens of the seeds


# --- scratch space for loaders that read a path -----------------------------------------------


@functools.cache
def scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="posdiag-fuzz-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _as_file(data: bytes, name: str) -> Path:
    path = scratch() / name
    path.write_bytes(data)
    return path


def _text(data: bytes) -> str:
    # A str entry gets what reading the file as UTF-8 would give (undecodable bytes replaced).
    return data.decode("utf-8", "replace")


# --- ZVT -------------------------------------------------------------------------------------

# APDUs of the spec's examples (docs/zvt.md) as class, instruction and data: registration,
# status enquiry, authorisation, a print line, a status information with BMPs and TLV,
# a completion with software version, positive and negative answers, an abort, a text block.
_ZVT_APDUS = [
    ("06 00", "12 34 56 BA 09 78 03 06 06 26 04 0A 02 06 D3"),
    ("05 01", "12 34 56"),
    ("06 01", "04 00 00 00 00 10 00"),
    ("06 D1", "00 54 45 53 54 20 52 45 43 45 49 50 54"),
    ("04 0F", "27 00 04 00 00 00 00 12 34 0B 00 00 01 0C 12 34 56 0D 12 31 22 F0 F8 67 25 59"
              " EE EE EE 00 03 8A 05 29 52 50 00 01 49 09 78 06 08 1F 16 02 00 01 41 01 02"),
    ("06 0F", "F0 F0 F7 32 2E 31 34 2E 31 35 00"),
    ("80 00", ""),
    ("84 9C", ""),
    ("06 1E", "6C"),
    ("06 D3", "06 09 25 07 07 05 48 65 6C 6C 6F"),
]


def _zvt_seeds() -> list[bytes]:
    from posdiag.drivers.zvt.apdu import Apdu

    return [Apdu(*bytes.fromhex(command), bytes.fromhex(data)).encode()
            for command, data in _ZVT_APDUS]


def _apdu(data: bytes) -> object:
    from posdiag.drivers.zvt.apdu import parse_apdu, split_apdus

    split_apdus(data)
    return parse_apdu(data)


def _message(data: bytes) -> object:
    from posdiag.drivers.zvt.apdu import decode_apdu
    from posdiag.drivers.zvt.messages import decode_message

    # The first byte picks the context: a terminal answering a status enquiry or not.
    answering = (0x05, 0x01) if data[:1] == b"\x01" else None
    message = decode_message(decode_apdu(data[1:]), answering)
    message.fields()
    return message


def _bmps(data: bytes) -> object:
    from posdiag.drivers.zvt.bmp import decode_bmps

    return decode_bmps(data)


def _bmp_seeds() -> list[bytes]:
    return [bytes.fromhex("04000000001234" "490978" "22F0F8EEEEEEEEEEEE4771" "2700"
                          "0C123456" "0D1231"),
            bytes.fromhex("27 00 0B 00 00 01 8A 05 29 52 50 00 01 3C F0 F0 F3 41 42 43"),
            bytes.fromhex("06 06 26 04 0A 02 06 D3")]


def _tlv(data: bytes) -> object:
    from posdiag.drivers.zvt import tlv_render
    from posdiag.drivers.zvt.tlv import decode_tlv, decode_tlv_partial

    decode_tlv_partial(data)
    nodes = decode_tlv(data)
    tlv_render.render(nodes, None, False)
    return nodes


def _tlv_seeds() -> list[bytes]:
    return [bytes.fromhex(t) for t in (
        "26040A0206D3",
        "240B 0705 48656C6C6F 1F1601 01",
        "25 0C 07 03 414243 1F44 04 12345678",
        "1F7508 0123456789ABCDEF 1F0903 343131",
        "9F810103 010203 E4 03 41 01 05",
    )]


def _serial(data: bytes) -> object:
    from posdiag.drivers.zvt.serial_framing import (
        FrameReceiver,
        split_line,
        unframe,
        unframe_leniently,
    )

    receiver = FrameReceiver()
    for start in range(0, len(data), 7):  # in pieces, as a UART delivers them
        receiver.feed(data[start : start + 7])
    split_line(data)
    unframe_leniently(data)
    return unframe(data)


def _serial_seeds() -> list[bytes]:
    from posdiag.drivers.zvt.serial_framing import frame

    frames = [frame(a) for a in _zvt_seeds()]
    return [*frames, b"\x06" + frames[0] + b"\x15", frames[1] + frames[2]]


def _analyser(data: bytes) -> object:
    from posdiag.drivers.zvt.analyser import analyse

    charset = (None, "cp437", "utf-8", "zvt7")[data[0] % 4] if data else None
    report, _message = analyse(data[1:], None, None, charset=charset)
    report.render()
    report.to_json()
    return report


def _analyser_seeds() -> list[bytes]:
    return [b"\x00" + s for s in [*_zvt_seeds(), *_serial_seeds()]]


def _capture(data: bytes) -> object:
    from posdiag.drivers.zvt.capture import analyse_capture, summarise

    reports = analyse_capture(_text(data).splitlines())
    for report in reports:
        report.render()
    return summarise(reports)


def _capture_seeds() -> list[bytes]:
    lines = [f"{'>' if i % 2 == 0 else '<'} {a.hex(' ')}" for i, a in enumerate(_zvt_seeds())]
    return ["\n".join(lines).encode(), b"# a capture\n> 06 00 03 12 34 56\n< 80 00 00\n"]


# --- printers and card readers -----------------------------------------------------------------


def _escpos(data: bytes) -> object:
    from posdiag.drivers.escpos.decoder import decode
    from posdiag.drivers.escpos.render_text import render_text

    receipts = decode(data)
    for receipt in receipts:
        render_text(receipt, show_unknown=True)
    return receipts


def _escpos_seeds() -> list[bytes]:
    from posdiag.drivers.escpos.testreceipt import build_test_receipt

    return [build_test_receipt(),
            b"\x1b@\x1ba\x01Hello\n\x1bd\x03\x1dV\x00",
            b"\x1c&\x1b@\xc4\xe3\xba\xc3\n\x1dV\x41\x03"]


def _magtek(data: bytes) -> object:
    from posdiag.drivers.msr.swipe import swipe_from_report

    return swipe_from_report(data)


_TRACK1 = "%B4761739001010010^TEST/CARD^2512101000000000000000000000?"
_TRACK2 = ";4761739001010010=25121010000000000000?"


def _magtek_seeds() -> list[bytes]:
    from posdiag.drivers.msr.magtek import build_report

    return [build_report({1: _TRACK1, 2: _TRACK2, 3: None}),
            build_report({1: None, 2: _TRACK2, 3: ";0123456789?"}, bad_tracks=(1,))]


def _wedge(data: bytes) -> object:
    from posdiag.drivers.msr.hidkeys import decode_keyboard_reports
    from posdiag.drivers.msr.swipe import swipe_from_wedge

    reports = [data[i : i + 8] for i in range(0, len(data), 8)]
    decode_keyboard_reports(reports)
    return swipe_from_wedge(_text(data))


def _wedge_seeds() -> list[bytes]:
    return [(_TRACK1 + _TRACK2).encode(), (_TRACK2 + ";0123?").encode(), b"%E?;E?"]


def _tracks(data: bytes) -> object:
    from posdiag.tracks import Track1, Track2, check_lrc, decode_bits

    text = _text(data)
    for parse in (Track1.from_text, Track2.from_text):
        with contextlib.suppress(ProtocolError):
            parse(text)
    for number in (1, 2):
        with contextlib.suppress(ProtocolError):
            check_lrc(number, text)
    return decode_bits(1 + data[0] % 2 if data else 1, list(data[1:]))


def _track_seeds() -> list[bytes]:
    from posdiag.tracks import encode_bits

    return [_TRACK1.encode(), _TRACK2.encode(),
            b"\x00" + bytes(encode_bits(1, _TRACK1)), b"\x01" + bytes(encode_bits(2, _TRACK2))]


# --- age ---------------------------------------------------------------------------------------


@functools.cache
def _age_identity() -> tuple[str, str]:
    from posdiag.crypto.age import generate_identity

    return generate_identity()  # a fresh test key, never an office key


def _age(data: bytes) -> object:
    from posdiag.crypto.age import decrypt_stream, parse_identity

    identity = parse_identity(_age_identity()[0])
    return decrypt_stream(io.BytesIO(data), io.BytesIO(), [identity])


def _age_seeds() -> list[bytes]:
    from posdiag.crypto.age import encrypt_stream, parse_recipient

    recipient = parse_recipient(_age_identity()[1])
    seeds = []
    for armored, plaintext in ((False, b"test journal"), (True, b"x" * 70), (False, b"")):
        out = io.BytesIO()
        encrypt_stream(io.BytesIO(plaintext), out, [recipient], armor=armored)
        seeds.append(out.getvalue())
    return seeds


def _age_keys(data: bytes) -> object:
    from posdiag.crypto.age import parse_identity_file, parse_recipients_file

    text = _text(data)
    with contextlib.suppress(BadInput):
        parse_recipients_file(text, "fuzz")
    return parse_identity_file(text, "fuzz")


def _age_key_seeds() -> list[bytes]:
    identity, recipient = _age_identity()
    return [f"# public key: {recipient}\n{identity}\n".encode(), f"{recipient}\n".encode()]


# --- backup set ----------------------------------------------------------------------------------


@functools.cache
def _sample_set() -> tuple[Path, KitKey]:
    """A small backup set written by posdiag itself (fake terminal, test cards), and the
    kit's public key."""
    sys.path.insert(0, str(TESTS / "backup"))
    from backup_fakes import FakeTerminal, make_journal  # type: ignore[import-not-found]

    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient

    root = scratch() / "set"
    journal, records = make_journal(40, seed=5)
    kit = load_or_create_kit_key(root / "kit")
    run_backup(FakeTerminal(journal, records, block_size=500), root / "set",
               [parse_recipient(_age_identity()[1])], kit, segment_bytes=4_000,
               piece_bytes=1_500)
    return root / "set", kit


def _set_files(pattern: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(_sample_set()[0].glob(pattern))][:4]


def _manifest(data: bytes) -> object:
    from posdiag.backup.manifest import manifest_from_bytes

    return manifest_from_bytes(data, "manifest-000001.json")


def _index(data: bytes) -> object:
    from posdiag.backup.pieces import decode_index

    return decode_index(data, "journal-000001-index.json", 1, 0)


def _seal(data: bytes) -> object:
    from posdiag.backup.pieces import decode_seal, peek_seal_base

    peek_seal_base(data)
    return decode_seal(data, "journal-000001-00001.seal", _sample_set()[1].public_key)


def _seal_seeds() -> list[bytes]:
    """Seals of the sample set's first segment's pieces (the writer removes a segment's
    seals once its index is written, so they are made again here, as the writer does)."""
    from posdiag.backup.manifest import manifest_from_bytes, sha256_hex
    from posdiag.backup.pieces import Piece, Seal, SealBase, decode_index, encode_seal
    from posdiag.journal import BRAND_ORDER

    set_dir, kit = _sample_set()
    first = (set_dir / "manifest-000001.json").read_bytes()
    manifest = manifest_from_bytes(first)
    pieces = decode_index((set_dir / "journal-000001-index.json").read_bytes(),
                          "journal-000001-index.json", 1, 0)
    seals = []
    for part, indexed in enumerate(pieces, 1):
        tally = {BRAND_ORDER[part % len(BRAND_ORDER)]: [part, 100 * part]}
        piece = Piece(1, part, indexed.file, indexed.offset, indexed.length, indexed.records,
                      part * 10, part * 10 + indexed.records - 1, tally)
        seal = Seal(manifest.set_id, kit.public_key, SealBase(1, sha256_hex(first)), piece)
        seals.append(encode_seal(seal, kit.private_key))
    return seals


def _snapshot(data: bytes) -> object:
    from posdiag.backup.snapshots import IDENTITY_FORMAT, TOTALS_FORMAT, parse_snapshot_json

    kind = (IDENTITY_FORMAT, TOTALS_FORMAT)[data[0] % 2] if data else IDENTITY_FORMAT
    return parse_snapshot_json(data[1:], kind, "identity.age")


def _snapshot_seeds() -> list[bytes]:
    sys.path.insert(0, str(TESTS / "backup"))
    from backup_fakes import make_records

    from posdiag.backup.snapshots import encode_identity, encode_totals
    from posdiag.devices import TerminalIdentity
    from posdiag.journal import totals_from_records

    identity = TerminalIdentity(device_name="EMU-700", serial_number="EMU0000001",
                                software_version="2.14.15", terminal_id="52500001",
                                merchant_id="100200300", currency=978)
    return [b"\x00" + encode_identity(identity, [], "fuzz seed"),
            b"\x01" + encode_totals(totals_from_records(make_records(20), 978))]


def _kit_keys(data: bytes) -> object:
    from posdiag.backup.trust import load_kit_keys

    return load_kit_keys(_as_file(data, "kit-keys.txt"))


def _kit_key_seeds() -> list[bytes]:
    key = _sample_set()[1].public_key
    return [f"# office register\n{key} kit 7 (Shanghai)\n".encode(), f"{key}\n".encode()]


def _journal(data: bytes) -> object:
    from posdiag.journal import iter_records

    # Cut where the first byte says, as the terminal's file blocks arrive.
    cut = data[0] if data else 0
    return list(iter_records([data[1 : 1 + cut], data[1 + cut :]]))


def _journal_seeds() -> list[bytes]:
    sys.path.insert(0, str(TESTS / "backup"))
    from backup_fakes import make_journal

    return [bytes((n,)) + make_journal(count, seed=n)[0] for n, count in ((40, 3), (200, 12))]


# --- cases, plans, configurations and profiles ----------------------------------------------------


@functools.cache
def _case_folder() -> Path:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.case.flow import CaseEdit, edit_case
    from posdiag.case.model import Fault
    from posdiag.case.opening import HandIdentity, Opening, open_case

    kit = load_or_create_kit_key(scratch() / "case-kit")
    opening = Opening(root=scratch() / "cases", fault=Fault("display", "black screen"),
                      no_terminal=True, merchant={"name": "Test shop"},
                      hand=HandIdentity(model="EMU-700", serial_number="EMU0000001",
                                        terminal_id="52500001", merchant_id="100200300"))
    folder = open_case(opening, kit).path
    edit_case(folder, kit, CaseEdit(note="test case for fuzzing"))
    return folder


def _case(data: bytes) -> object:
    from posdiag.case.store import load_case

    folder = scratch() / "case-under-test"
    if not folder.exists():
        shutil.copytree(_case_folder(), folder)
    (folder / "case-0002.json").write_bytes(data)
    return load_case(folder, check_files=False)


def _case_seeds() -> list[bytes]:
    return [(_case_folder() / "case-0002.json").read_bytes()]


def _plan(data: bytes) -> object:
    from posdiag.plan.loader import load_plan

    return load_plan(_as_file(data, "plan.toml"))


def _plan_seeds() -> list[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / "testplans").glob("*.toml"))
            if p.name != "cards.toml"]


def _kit_config(data: bytes) -> object:
    from posdiag.kit.config import parse_kit_config

    return parse_kit_config(_text(data), scratch() / "kit.toml")


def _kit_config_seeds() -> list[bytes]:
    recipient = _age_identity()[1]
    return [f'recipients = ["{recipient}"]\nport = "auto"\n'
            f'[case]\nopen = true\ndescription = "kit test"\n'
            f'[web]\ninterface = "wlan0"\nlisten = ["127.0.0.1"]\nport = 8080\n'.encode(),
            f'recipients = ["{recipient}", "{recipient}"]\nhook = ["true"]\n'.encode()]


_SHOP = """[merchant]
name = "Test shop"
number = "100200300"
address = "1 Test Road"
contact = "Zhang"
phone = "+86 21 5555 0101"

[terminal]
manufacturer = "EMU"
model = "EMU-700"
purchased = 2026-03-01
installed = "2026-03-02"
warranty-months = 12

[manufacturer]
name = "EMU Terminals Ltd."
email = "rma@emu.example"

[service-provider]
name = "POS Service Co."
repair-fee = true
"""

_KIT_PROFILE = """[technician]
name = "Li"
id = "T-07"

[warranty]
months = 24

[cases]
root = "cases"

[manufacturer]
name = "EMU Terminals Ltd."
"""


def _merchant_profile(data: bytes) -> object:
    from posdiag.case.profiles import load_merchant_profile

    return load_merchant_profile(_as_file(data, "shop.toml"))


def _kit_profile(data: bytes) -> object:
    from posdiag.case.profiles import load_kit_profile

    return load_kit_profile(_as_file(data, "profile.toml"))


def _emulator_config(data: bytes) -> object:
    from posdiag.emulator.config import load_config

    return load_config(_as_file(data, "terminal.toml"))


def _emulator_seeds() -> list[bytes]:
    return [b'[terminal]\nterminal_id = "52500001"\nserial_number = "EMU0000001"\n'
            b'password = "000000"\ncurrency = 978\nmerchant_id = "100200300"\n',
            b'terminal_id = "29001006"\n']


TARGETS: tuple[Target, ...] = (
    Target("zvt-apdu", _apdu, (ProtocolError,), _zvt_seeds),
    Target("zvt-message", _message, (ProtocolError,), lambda: [
        bytes((n % 2,)) + s for n, s in enumerate(_zvt_seeds())]),
    Target("zvt-bmp", _bmps, (ProtocolError,), _bmp_seeds),
    Target("zvt-tlv", _tlv, (ProtocolError,), _tlv_seeds),
    Target("zvt-serial-framing", _serial, (ProtocolError,), _serial_seeds),
    Target("zvt-analyser", _analyser, (), _analyser_seeds),
    Target("zvt-capture", _capture, (BadInput,), _capture_seeds, text=True),
    Target("escpos-decoder", _escpos, (), _escpos_seeds, max_size=8192),
    Target("msr-magtek-report", _magtek, (ProtocolError,), _magtek_seeds),
    Target("msr-keyboard-wedge", _wedge, (), _wedge_seeds, text=True),
    Target("msr-tracks", _tracks, (ProtocolError,), _track_seeds, text=True),
    Target("age-file", _age, (DecryptionError,), _age_seeds),
    Target("age-key-files", _age_keys, (BadInput,), _age_key_seeds, text=True),
    Target("journal", _journal, (ProtocolError,), _journal_seeds),
    Target("backup-manifest", _manifest, (VerificationError,),
           lambda: _set_files("manifest-*.json"), text=True),
    Target("backup-index", _index, (VerificationError,),
           lambda: _set_files("journal-000001-index*.json"), text=True),
    Target("backup-seal", _seal, (VerificationError,), _seal_seeds, text=True),
    Target("backup-snapshot", _snapshot, (VerificationError,), _snapshot_seeds, text=True),
    Target("backup-kit-keys", _kit_keys, (BadInput,), _kit_key_seeds, text=True),
    Target("case-file", _case, (PosdiagError,), _case_seeds, max_size=16384, text=True),
    Target("plan", _plan, (UsageError,), _plan_seeds, max_size=8192, text=True),
    Target("kit-config", _kit_config, (PlanError,), _kit_config_seeds, text=True),
    Target("merchant-profile", _merchant_profile, (UsageError,), lambda: [_SHOP.encode()],
           text=True),
    Target("kit-profile", _kit_profile, (UsageError,), lambda: [_KIT_PROFILE.encode()],
           text=True),
    Target("emulator-config", _emulator_config, (BadInput, PlanError), _emulator_seeds,
           text=True),
)

BY_NAME = {t.name: t for t in TARGETS}
assert len(BY_NAME) == len(TARGETS)


@functools.cache
def seeds(target: Target) -> tuple[bytes, ...]:
    found = tuple(s[: target.max_size] for s in target.seeds())
    assert found, f"{target.name} has no seed"
    return found


_TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_-]*|\d+|[^\sA-Za-z0-9]")


@functools.cache
def tokens(target: Target) -> tuple[bytes, ...]:
    """Words, numbers and punctuation of the seeds: what text mutations splice in."""
    found = {t for s in seeds(target) for t in _TOKEN.findall(s)} if target.text else set()
    return tuple(sorted(found | {b"\x00", b"\xff", b"\n", b'"', b"[", b"]", b"{", b"}",
                                 b"=", b"-1", b"99999999999999999999", b"\\u0000"}))


class Hang(AssertionError):
    """An input took longer than the bound the fuzz rule sets."""


def run_input(target: Target, data: bytes) -> None:
    """Feed one input; return quietly or re-raise what the target must not raise."""
    with contextlib.suppress(*target.allowed):
        target.entry(data[: target.max_size])


# --- the bounds every input is held to -----------------------------------------------------------

SECONDS_PER_INPUT = 10.0  # inputs are at most 16 KiB: milliseconds each, even on a loaded box
BASE_MEMORY = 32 << 20  # bytes of Python allocation any input may take ...
MEMORY_PER_BYTE = 4096  # ... plus this much per input byte (ESC d 255 took 4.8 KB once)


def memory_bound(size: int) -> int:
    return BASE_MEMORY + MEMORY_PER_BYTE * size


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread when the block runs longer than ``seconds``."""

    def expired(_signum: int, _frame: object) -> None:
        raise Hang(f"one input ran longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_input(target: Target, data: bytes) -> int:
    """Feed one input under the time and memory bounds; return its allocation peak.

    Raises what the target must not raise, Hang, or MemoryBoundExceeded."""
    data = data[: target.max_size]
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        with time_bound(SECONDS_PER_INPUT):
            run_input(target, data)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if started:
            tracemalloc.stop()
    if peak > memory_bound(len(data)):
        raise MemoryBoundExceeded(f"{target.name}: {peak} bytes allocated for a "
                                  f"{len(data)}-byte input")
    return peak


class MemoryBoundExceeded(AssertionError):
    """An input made the target allocate more than the bound the fuzz rule sets."""
