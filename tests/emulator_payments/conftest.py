"""Driver <-> emulated terminal over a real pty, for the payment-side tests."""

import contextlib

import pytest

from posdiag.emulator.faults import parse_faults
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.terminals import open_terminal


@pytest.fixture
def pt():
    """start(fault=..., operator=..., **driver options) -> (emulator, ZvtTerminal)."""
    stack = contextlib.ExitStack()

    def start(fault=None, operator="auto", port="sim", **driver_options):
        emulator = EmulatedTerminal(faults=parse_faults(fault), operator=operator, seed=7)
        terminal = stack.enter_context(open_terminal(port, emulator=emulator, **driver_options))
        return emulator, terminal

    yield start
    stack.close()
