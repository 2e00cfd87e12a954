"""The suite's slice of the fuzzing (issue 10): every decoder and loader of
fuzz_targets.TARGETS gets a few dozen inputs - its well-formed seeds mutated (bytes flipped,
set, inserted, cut, repeated, tokens of the format spliced in) and plain random bytes - and
must return or raise only its own typed errors, within the time and memory bounds.
`make fuzz` runs the same targets for minutes each under atheris; POSDIAG_FUZZ_EXAMPLES
makes this slice longer (the fallback where atheris does not install).
"""

from __future__ import annotations

import os

import pytest
from fuzz_targets import (
    SECONDS_PER_INPUT,
    TARGETS,
    Hang,
    MemoryBoundExceeded,
    Target,
    check_input,
    memory_bound,
    seeds,
    tokens,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posdiag.errors import PosdiagError

EXAMPLES = int(os.environ.get("POSDIAG_FUZZ_EXAMPLES", "30"))
EDITS = ("flip", "set", "insert", "delete", "repeat", "token", "cut")


@st.composite
def inputs(draw: st.DrawFn, target: Target) -> bytes:
    """A seed of the target mutated by one to eight edits, or (one time in eight) noise."""
    if draw(st.integers(0, 7)) == 0:
        return draw(st.binary(max_size=512))
    data = bytearray(draw(st.sampled_from(seeds(target))))
    for _ in range(draw(st.integers(1, 8))):
        edit = draw(st.sampled_from(EDITS))
        at = draw(st.integers(0, len(data)))
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "set" and at < len(data):
            data[at] = draw(st.sampled_from([0x00, 0x10, 0x7F, 0x80, 0xFF]) | st.integers(0, 255))
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 32))]
        elif edit == "repeat":
            piece = data[at : at + draw(st.integers(1, 32))]
            data[at:at] = piece * draw(st.integers(1, 64))
        elif edit == "token":
            data[at:at] = draw(st.sampled_from(tokens(target)))
        elif edit == "cut":
            del data[at:]
    return bytes(data[: target.max_size])


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_hostile_input_raises_only_the_typed_error_in_bounded_time_and_memory(
        target: Target) -> None:
    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(inputs(target))
    def holds(data: bytes) -> None:
        check_input(target, data)

    holds()


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_every_target_is_fed_its_own_format(target: Target) -> None:
    # A target whose every seed is refused would fuzz only its first check.
    accepted = 0
    for seed in seeds(target):
        try:
            target.entry(seed)
            accepted += 1
        except target.allowed:
            pass
    assert accepted, f"{target.name}: no seed is accepted; the seeds are not its format"


def test_the_allowed_errors_are_typed() -> None:
    for target in TARGETS:
        assert all(issubclass(e, PosdiagError) for e in target.allowed), target.name


def test_the_bounds_catch_a_hang_and_a_memory_hog() -> None:
    # The checks themselves can fail: a decoder that loops or hoards is reported.
    def spin(_data: bytes) -> None:
        while True:
            pass

    def hoard(data: bytes) -> None:
        hoard.kept = [bytes(1024) for _ in range(memory_bound(len(data)) // 1000)]  # type: ignore[attr-defined]

    with pytest.raises(Hang):
        import fuzz_targets

        previous, fuzz_targets.SECONDS_PER_INPUT = fuzz_targets.SECONDS_PER_INPUT, 0.2
        try:
            check_input(Target("spin", spin, (), lambda: [b""]), b"x")
        finally:
            fuzz_targets.SECONDS_PER_INPUT = previous
    with pytest.raises(MemoryBoundExceeded):
        check_input(Target("hoard", hoard, (), lambda: [b""]), b"x")
    assert SECONDS_PER_INPUT >= 1
