"""The interrupt gate: inside a dialog a signal is a request, outside it interrupts at once."""

import os
import signal

import pytest

from posdiag.interrupts import InterruptGate, installed_gate


def deliver(signum: int) -> None:
    os.kill(os.getpid(), signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_inside_a_dialog_a_signal_is_only_a_request(signum):
    with installed_gate() as gate:
        assert gate is not None
        with gate.shield():
            deliver(signum)
            assert gate.requested and gate.signal_number == signum


def test_outside_a_dialog_a_signal_interrupts_at_once():
    with installed_gate(), pytest.raises(KeyboardInterrupt):
        deliver(signal.SIGTERM)


def test_a_second_signal_does_not_wait_for_the_dialog():
    with installed_gate() as gate:
        assert gate is not None
        with gate.shield(), pytest.raises(KeyboardInterrupt):
            deliver(signal.SIGINT)
            deliver(signal.SIGINT)


def test_a_handler_that_was_there_before_still_hears_the_signal():
    heard: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: heard.append(signum))
    try:
        gate = InterruptGate()
        assert gate.install()
        try:
            with gate.shield():
                deliver(signal.SIGTERM)
        finally:
            gate.uninstall()
        assert heard == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not gate._handle
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_no_gate_outside_the_main_thread():
    import threading

    got = []
    thread = threading.Thread(target=lambda: got.append(installed_gate().__enter__()))
    thread.start()
    thread.join()
    assert got == [None]


def test_a_gate_inside_a_gate_does_not_let_the_outer_one_interrupt_a_dialog():
    with installed_gate() as outer, installed_gate() as inner:
        assert outer is not None and inner is not None
        with inner.shield():
            deliver(signal.SIGINT)
        assert inner.requested


def test_an_earlier_handler_that_interrupts_waits_for_the_dialog_too():
    def interrupt_at_once(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt_at_once)
    try:
        with installed_gate() as gate:
            assert gate is not None
            with gate.shield():
                deliver(signal.SIGTERM)  # no KeyboardInterrupt in the middle of the dialog
            assert gate.requested
            with pytest.raises(KeyboardInterrupt):
                deliver(signal.SIGTERM)  # outside it, at once
    finally:
        signal.signal(signal.SIGTERM, previous)
