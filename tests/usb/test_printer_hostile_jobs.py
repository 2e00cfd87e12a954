"""Hostile print jobs (issue 10, item 4): the printer emulator and the ESC/POS decoder stay
up, linear and bounded whatever bytes arrive.

Known answers first (the 9-byte job that killed the server, GB18030 lead bytes followed by
bytes that cannot follow them), then the limits (wrapping, merged feeds, the receipt's
length, oversized images), then hypothesis over random jobs, end to end over TCP.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posdiag.drivers.escpos import Decoder, decode, render_text
from posdiag.drivers.escpos.layout import LINE_DOTS, MAX_IMAGE_BYTES, MAX_RECEIPT_DOTS
from posdiag.drivers.escpos.model import Feed, Receipt
from posdiag.drivers.escpos.render_png import render_png
from posdiag.emulator.printer import EmulatedPrinter, ReceiptWriter, TcpPrinterServer
from posdiag.errors import PosdiagError

# FS &, then 81 30 (the start of a four-byte GB18030 code) with NUL and LF where its third
# and fourth bytes belong, then GS V 0. The old decoder took "81 30 00 0A" as one character;
# its text then held a line feed and Pillow refused it, killing the server thread.
NINE_BYTE_JOB = bytes.fromhex("1c 26 81 30 00 0a 1d 56 00")
STATUS = b"\x10\x04\x01"
ONLINE = b"\x12"


def _status_over_tcp(address: tuple[str, int], job: bytes = b"") -> bytes:
    with socket.create_connection(address, timeout=5) as sock:
        if job:
            sock.sendall(job)
        sock.sendall(STATUS)
        sock.settimeout(5)
        reply = b""
        while not reply.endswith(ONLINE):  # the job's own DLE EOTs may answer first
            chunk = sock.recv(64)
            if not chunk:
                break
            reply += chunk
        return reply


# --- known answers ----------------------------------------------------------------------


def test_the_nine_byte_job_decodes_to_one_cut_receipt() -> None:
    (receipt,) = decode(NINE_BYTE_JOB)
    assert receipt.text == "\ufffd0"  # the lead alone is unprintable; "0" is plain ASCII
    assert [(u.offset, u.raw, u.note) for u in receipt.unknown] == [
        (4, b"\x00", "unknown control byte")]
    assert receipt.cut is not None and not receipt.cut.partial


def test_the_nine_byte_job_leaves_the_tcp_server_serving(tmp_path: Path) -> None:
    printer = EmulatedPrinter(on_receipt=ReceiptWriter(tmp_path, png=True))
    with TcpPrinterServer(printer, "127.0.0.1", 0) as server:
        assert _status_over_tcp(server.address, NINE_BYTE_JOB) == ONLINE
        assert _status_over_tcp(server.address) == ONLINE  # and the next client too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt-0001.png",
                                                         "receipt-0001.txt"]
    assert server.failures == 0


@pytest.mark.parametrize(("encoding", "data", "text"), [
    ("gb18030", b"\xd6\xd0", "中"),
    ("gb18030", b"\x81\x30\x84\x36", "¥"),  # four bytes
    ("gb18030", b"\x81\x30\x81\x30", "\ufffd"),  # U+0080, a C1 control: never in the text
    ("gb18030", b"\x81\x30\x41", "\ufffd0A"),  # third byte cannot follow: lead alone
    ("gb18030", b"\xff\x41", "\ufffdA"),  # FF leads nothing
    ("gbk", b"\x81\x30\x84\x36", "\ufffd0\ufffd6"),  # two-byte firmware: what it prints
])
def test_chinese_mode_reads_only_codes_that_exist(encoding: str, data: bytes,
                                                  text: str) -> None:
    (receipt,) = decode(b"\x1c&" + data + b"\n", chinese_encoding=encoding)
    assert receipt.text == text


def test_a_control_byte_after_a_lead_byte_still_acts() -> None:
    (receipt,) = decode(b"\x1c&\x81\nnext\n")
    assert [line.text for line in receipt.lines] == ["\ufffd", "next"]


def test_code_page_controls_never_reach_the_text() -> None:
    (receipt,) = decode(b"\x1bt\x0fA\x85\x9bB\n")  # ISO 8859-7: 85 and 9B are C1 controls
    assert receipt.text == "A\ufffd\ufffdB"


# --- limits -----------------------------------------------------------------------------


def test_ab_cr_repeated_wraps_into_paper_wide_lines() -> None:
    """`ab\\r` repeated once built one ever-growing line (quadratic); a printer wraps it."""
    (receipt,) = decode(b"ab\r" * 1000 + b"\n")
    assert [len(line.text) for line in receipt.lines] == [48] * 41 + [32]  # 2000 characters
    assert "".join(line.text for line in receipt.lines) == "ab" * 1000


def test_feeds_merge_into_one_element() -> None:
    (receipt,) = decode(b"top\n" + b"\x1bd\xff" * 4 + b"\n\n")
    assert receipt.elements[1:] == (Feed(4 * 255 + 2),)
    assert render_text(receipt).count("\n") == 1 + 4 * 255 + 2


def test_esc_d_255_costs_no_memory_per_byte() -> None:
    job = b"\x1bd\xff" * 20_000  # 60 kB; the old decoder needed ~290 MB for it
    tracemalloc.start()
    try:
        decoder = Decoder()
        for start in range(0, len(job), 4096):
            decoder.feed(job[start:start + 4096])
        rest = decoder.finish()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024
    assert rest is not None and rest.elements == (Feed(MAX_RECEIPT_DOTS // LINE_DOTS),)
    assert "receipt longer than 4 m of paper" in rest.unknown[-1].note


def test_a_receipt_keeps_at_most_its_paper_limit_and_says_so() -> None:
    receipts = decode(b"line\n" * 5000 + b"\x1dV\x00after the cut\n")
    first, second = receipts
    assert len(first.lines) == MAX_RECEIPT_DOTS // LINE_DOTS
    (note,) = first.unknown
    kept = MAX_RECEIPT_DOTS // LINE_DOTS
    assert (note.offset, note.note) == (  # at the LF that would have printed the next line
        5 * kept + 4, f"receipt longer than 4 m of paper: {5000 - kept} more lines or symbols "
        "not kept")
    assert first.cut is not None and second.text == "after the cut"


def test_an_oversized_raster_image_is_reported_and_what_follows_prints() -> None:
    rows = MAX_IMAGE_BYTES // 64 + 1
    header = b"\x1dv0\x00" + (64).to_bytes(2, "little") + rows.to_bytes(2, "little")
    decoder = Decoder()
    got = decoder.feed(b"before\n" + header)
    for _ in range(rows):
        got += decoder.feed(b"\x1dV\x00" * 21 + b"A")  # a cut inside image data is data
    got += decoder.feed(b"after\n\x1dV\x00")
    (receipt,) = got
    assert receipt.text == "before\nafter" and receipt.images == ()
    assert "larger than" in receipt.unknown[0].note
    assert decoder.finish() is None


def test_an_image_wider_than_the_paper_is_cropped_to_it() -> None:
    header = b"\x1dv0\x00" + (100).to_bytes(2, "little") + (2).to_bytes(2, "little")
    (receipt,) = decode(header + b"\xff" * 72 + b"\x00" * 28 + b"\x0f" * 100)
    (image,) = receipt.images
    assert (image.width, image.height, image.bits) == (576, 2, b"\xff" * 72 + b"\x0f" * 72)
    assert "cropped" in receipt.unknown[0].note


def test_notes_are_capped_with_a_count_of_the_rest() -> None:
    (receipt,) = decode(b"\x07" * 1000)
    assert len(receipt.unknown) == 65
    assert receipt.unknown[-1].note == "936 more commands not rendered"


def test_a_failing_receipt_callback_is_reported_and_printing_goes_on() -> None:
    reports: list[str] = []
    calls: list[Receipt] = []

    def broken(receipt: Receipt) -> None:
        calls.append(receipt)
        raise RuntimeError("disk on fire")

    printer = EmulatedPrinter(on_receipt=broken, report=reports.append)
    with TcpPrinterServer(printer, "127.0.0.1", 0) as server:
        assert _status_over_tcp(server.address, b"one\n\x1dV\x00two\n\x1dV\x00") == ONLINE
        assert _status_over_tcp(server.address) == ONLINE
    assert [r.text for r in calls] == ["one", "two"]
    assert printer.failures == 2 and "disk on fire" in reports[0]
    assert server.failures == 0


class _FailsOnce(EmulatedPrinter):
    """Fault injection: the device itself fails on the first chunk it is given."""

    def receive(self, data: bytes) -> bytes:
        if not self.received:
            self.received += data
            raise MemoryError("injected")
        return super().receive(data)


def test_a_job_that_fails_inside_the_printer_is_dropped_and_the_server_serves_on() -> None:
    reports: list[str] = []
    printer = _FailsOnce()
    with TcpPrinterServer(printer, "127.0.0.1", 0, report=reports.append) as server:
        with socket.create_connection(server.address, timeout=5) as sock:
            sock.sendall(b"lost\n")
        assert _status_over_tcp(server.address, b"kept\n\x1dV\x00") == ONLINE
    assert server.failures == 1 and "MemoryError" in reports[0]
    assert [r.text for r in printer.receipts] == ["kept"]


def test_a_receipt_that_cannot_be_written_is_reported_not_fatal(tmp_path: Path) -> None:
    reports: list[str] = []
    writer = ReceiptWriter(tmp_path / "out", png=False, report=reports.append)
    (tmp_path / "out").rmdir()
    (tmp_path / "out").write_text("a file where the folder was")
    writer(decode(b"x\n\x1dV\x00")[0])
    assert reports == [reports[0]] and "not written" in reports[0]


def test_print_data_held_while_paper_is_out_is_bounded() -> None:
    from posdiag.emulator.printer import HOLD_LIMIT

    printer = EmulatedPrinter()
    printer.set_fault("paper_out")
    for _ in range(3):
        printer.receive(b"x" * HOLD_LIMIT)
    assert printer.lost == 2 * HOLD_LIMIT


# --- properties -------------------------------------------------------------------------

PIECES = st.one_of(
    st.binary(max_size=8),
    st.sampled_from([b"\x1c&", b"\x1c.", b"\x81\x30", b"\x81", b"\xd6\xd0", b"\x1dV\x00",
                     b"\x1bd\xff", b"\x1bi", b"\n", b"\r", b"\t", b"\x1bt\x0f", b"\x1bt\x10",
                     b"\x1d!\x77", b"\x1bM\x01", b"\x1b!\x38", b"\x1dB\x01", b"\x10\x04\x02",
                     b"\x1d(k\x03\x001Q0", b"\x1d(k\x04\x001A2\x00", b"\x1d(k\x03\x001C\x10",
                     b"\x1d(k\x07\x001P0abcd", b"\x1dk\x02400638133393\x00",
                     b"\x1dk\x49\x05{Babc", b"\x1dk\x48\x03ABC", b"\x1dw\x06", b"\x1dH\x03",
                     b"\x1dv0\x00\x02\x00\x02\x00\xff\x00\xff\x00",
                     b"\x1b*\x21\x02\x00" + b"\xff" * 6, b"\x1d8L", b"\x1d(L"]),
)
JOBS = st.lists(PIECES, max_size=40).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(JOBS, st.lists(st.integers(1, 64), max_size=10))
def test_random_jobs_decode_and_render_without_raising(job: bytes, cuts: list[int]) -> None:
    decoder, receipts, pos = Decoder(), [], 0
    for size in cuts:
        receipts += decoder.feed(job[pos:pos + size])
        pos += size
    receipts += decoder.feed(job[pos:])
    rest = decoder.finish()
    receipts += [rest] if rest else []
    assert receipts == decode(job)
    with tempfile.TemporaryDirectory() as folder:
        for number, receipt in enumerate(receipts):
            text = render_text(receipt)
            assert not any(ord(c) < 0x20 and c != "\n" for c in text)
            with contextlib.suppress(PosdiagError):  # the one kind a renderer may raise
                render_png(receipt, Path(folder) / f"{number}.png")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(job=JOBS)
def test_random_jobs_never_kill_the_server(tmp_path: Path, job: bytes) -> None:
    reports: list[str] = []
    writer = ReceiptWriter(tmp_path, png=True, report=reports.append)
    printer = EmulatedPrinter(on_receipt=writer)
    with TcpPrinterServer(printer, "127.0.0.1", 0, report=reports.append) as server:
        _status_over_tcp(server.address, job)
        assert _status_over_tcp(server.address) == ONLINE
    printer.finish()
    assert server.failures == 0
    assert not [r for r in reports if "not written" in r or "failed" in r]
