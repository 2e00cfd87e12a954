"""The terminal's books end to end: driver <-> emulated terminal over a real pty or socket."""

import hashlib
from datetime import datetime

import pytest

from posdiag.backup.reconcile import compare_totals
from posdiag.devices import FILE_APPLICATION_LOG, FILE_MERCHANT_JOURNAL
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import LinkClosed, TerminalRefused, UsageError
from posdiag.journal import iter_records, totals_from_records
from posdiag.terminals import build_emulator, open_terminal


def journal_bytes(emulator, file_id=FILE_MERCHANT_JOURNAL):
    return emulator.ledger.read(file_id, 0, emulator.ledger.file_size(file_id))


@pytest.mark.parametrize("transport", ["serial", "tcp"])
def test_journal_read_is_byte_identical_and_agrees_with_totals(transport):
    emulator = build_emulator({"journal": "300", "seed": "7"})
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        blocks = list(terminal.read_file(FILE_MERCHANT_JOURNAL))
        totals = terminal.totals()
        expected = journal_bytes(emulator)
    data = b"".join(b.data for b in blocks)
    assert data == expected
    assert [b.offset for b in blocks] == [sum(len(x.data) for x in blocks[:i])
                                         for i in range(len(blocks))]
    assert all(b.file_size == len(data) for b in blocks)
    records = [p.record for p in iter_records([data])]
    assert len(records) == 300
    assert compare_totals(totals, totals_from_records(records, 978)).agree


def test_read_resumes_from_any_offset():
    emulator = build_emulator({"journal": "40", "seed": "1"})
    whole = journal_bytes(emulator)
    with open_terminal("sim", emulator=emulator) as terminal:
        for offset in (0, 1, 977, len(whole) - 1, len(whole)):
            data = b"".join(b.data for b in terminal.read_file(FILE_MERCHANT_JOURNAL, offset))
            assert data == whole[offset:]


def test_block_size_follows_the_negotiated_max_apdu():
    emulator = build_emulator({"journal": "40"})
    with open_terminal("sim", emulator=emulator, max_apdu=200) as terminal:
        blocks = list(terminal.read_file(FILE_MERCHANT_JOURNAL))
        assert b"".join(b.data for b in blocks) == journal_bytes(emulator)
    assert max(len(b.data) for b in blocks) <= 200


def test_application_log_is_readable():
    emulator = build_emulator({"journal": "5"})
    with open_terminal("sim", emulator=emulator) as terminal:
        log = b"".join(b.data for b in terminal.read_file(FILE_APPLICATION_LOG))
    assert log == journal_bytes(emulator, FILE_APPLICATION_LOG)
    assert b"payment receipt 0001" in log


def test_unknown_file_is_refused():
    with open_terminal("sim") as terminal, pytest.raises(TerminalRefused):
        list(terminal.read_file(0x07))


def test_noisy_line_with_naks_still_gives_identical_bytes():
    # noise=0.01: one byte in a hundred corrupted, both ways; nak=3: every third frame
    # refused. Short timers keep the recoveries (3 x T2 + T3) quick.
    emulator = build_emulator({"journal": "3", "seed": "2", "fault": "noise=0.01+nak=3",
                               "t2": "0.1", "t3": "0.2"})
    with open_terminal("sim:t2=0.1,t3=0.2", emulator=emulator) as terminal:
        data = b"".join(b.data for b in terminal.read_file(FILE_MERCHANT_JOURNAL))
        stats = terminal.transport.stats
        expected = journal_bytes(emulator)
    assert hashlib.sha256(data).digest() == hashlib.sha256(expected).digest()
    assert stats["naks_received"] > 0 and stats["naks_sent"] > 0


def test_light_noise_on_a_larger_journal():
    emulator = build_emulator({"journal": "60", "seed": "4", "fault": "noise=0.0005+nak=3",
                               "t2": "0.1", "t3": "0.2"})
    with open_terminal("sim:t2=0.1,t3=0.2", emulator=emulator) as terminal:
        data = b"".join(b.data for b in terminal.read_file(FILE_MERCHANT_JOURNAL))
        assert data == journal_bytes(emulator)


def test_cable_pull_mid_read_then_resume_from_last_byte():
    emulator = build_emulator({"journal": "80", "seed": "5", "fault": "disconnect@9000"})
    got = bytearray()
    with open_terminal("sim", emulator=emulator) as terminal:
        whole = journal_bytes(emulator)
        with pytest.raises(LinkClosed):
            for block in terminal.read_file(FILE_MERCHANT_JOURNAL):
                got += block.data
        assert 0 < len(got) < len(whole)
        terminal.reconnect()  # a new cable: the emulator opened a new pty
        for block in terminal.read_file(FILE_MERCHANT_JOURNAL, len(got)):
            got += block.data
    assert bytes(got) == whole


def test_end_of_day_only_when_asked_and_then_the_batch_is_new():
    emulator = build_emulator({"journal": "25", "seed": "3"})
    with open_terminal("sim", emulator=emulator) as terminal:
        before = terminal.totals()
        with pytest.raises(UsageError):
            terminal.end_of_day()
        assert terminal.totals() == before
        settled = terminal.end_of_day(confirm=True)
        assert settled.amount == before.amount
        after = terminal.totals()
        assert after.amount == 0 and after.count == 0
        assert list(terminal.read_file(FILE_MERCHANT_JOURNAL)) == []
        assert any("END OF DAY" in r.text for r in terminal.receipts)


def test_admin_commands_print_through_the_ecr():
    emulator = EmulatedTerminal()
    with open_terminal("sim", emulator=emulator) as terminal:
        config = terminal.print_system_configuration()
        assert config and "52500001" in config[0].text and config[0].kind == "admin"
        assert terminal.diagnosis()
        terminal.print_turnover_receipts()
        terminal.set_date_time(datetime(2026, 11, 25, 12, 0, 0))
        terminal.initialise()
        with pytest.raises(TerminalRefused):
            terminal.repeat_receipt()  # nothing to repeat yet
        terminal.log_off()
        terminal.abort()
    assert (0x06, 0x93) in emulator.state.commands_seen


def test_wrong_password_is_refused():
    with open_terminal("sim", password="000000") as terminal, pytest.raises(TerminalRefused):
        terminal.totals()
