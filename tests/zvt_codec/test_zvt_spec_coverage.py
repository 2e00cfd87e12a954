"""Everything PA00P015 rev 13.08 defines has a typed decoder: the lists below are copied from
the spec (facts: §2/§3 command layouts, §13 BMP summary, §9.4 tag lists), and the test
fails when a definition has no decoder, so a gap cannot hide. docs/zvt.md gives the counts
and names what is decoded only as far as the spec itself goes.
"""

from __future__ import annotations

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import BMP_SPECS
from posdiag.drivers.zvt.codes import COMMAND_NAMES
from posdiag.drivers.zvt.messages import REGISTRY, UnknownMessage, decode_message
from posdiag.drivers.zvt.messages_answers import ANSWERS
from posdiag.drivers.zvt.tlv_tags import TAGS, Kind


def _commands(text: str) -> list[tuple[int, int]]:
    raw = bytes.fromhex(text)
    return [(raw[i], raw[i + 1]) for i in range(0, len(raw), 2)]


# §2: commands the ECR sends, each with its data layout (incl. 06 D1/06 D3 on the PT).
ECR_COMMANDS = _commands(
    "0600 0601 0603 0604 0605 060C 0621 0622 0630 0623 0626 0624 0625 0631 0650 0670 0693"
    " 0612 0620 06C0 0850 06B0 0602 0691 06E0 0685 06E1 0688 06E2 06E7 0686 06F0 06E3 0687"
    " 0830 0810 0811 0812 0813 0814 060A 0610 0618 061A 061B 0651 0679 0695 0820 0821 0822"
    " 0823 0824 0801 0501 0840 0609 06D1 06D3 0802 06E5 06C6 06C5 06E6"
)
# §3 (and §2.41.2 for 04 0C): commands the PT sends.
PT_COMMANDS = _commands("040F 060F 061E 0401 06D1 06D3 04FF 06D8 06DB 06D9 06DA 06DD 040E 06E4"
                        " 040D 06D0 040C")  # fmt: skip
# Commands whose 80 00 answer carries data of their own (§2.28-§2.35, §2.62, §2.63, §3.11).
ANSWERED_WITH_DATA = _commands("06E1 0688 06E2 0686 0687 06E7")
# Named in §14 without any layout in the spec.
NAMED_ONLY = _commands("06E8 06E9 0FCA")

# §13, plus 4C (§3.1.1) and 92 (§6.4, BMP of ec-cash offline data).
SPEC_BMPS = bytes.fromhex(
    "01 02 03 04 05 06 0B 0C 0D 0E 17 19 22 23 24 27 29 2A 2D 2E 37 3A 3B 3C 3D 49 60 70 71 72"
    " 73 74 75 87 88 8A 8B 8C 9A A0 A7 AA AF BA D0 D1 D2 D3 E0 E1 E2 E3 E4 E5 E6 E7 E8 E9 EA EB"
    " F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 FA FB FC FD 4C 92"
)

# §9.4.1 (primitive and constructed overviews), 1F6D (§9.4.2), 84/85 (§9.4.7, printed as
# "83" in the overview), C5 (§9.4.3), 9F5A/9F5B/EA (§9.4.14).
SPEC_TAGS = [
    *range(0x01, 0x1F), *range(0x40, 0x4E), 0x50, *range(0x80, 0x86), *range(0xC1, 0xC6),
    *range(0x1F00, 0x1F48), *range(0x1F48, 0x1F4C), 0x1F4C, 0x1F4D, 0x1F4E, 0x1F4F, 0x1F50,
    *range(0x1F51, 0x1F64), *range(0x1F65, 0x1F6E), *range(0x1F70, 0x1F7A),
    *range(0x1F80, 0x1F84), 0xFF01, 0xFF02, 0xFF03, 0xFF04,
    *range(0x20, 0x36), *range(0x60, 0x6B), *range(0xE1, 0xEB), 0x9F5A, 0x9F5B,
]  # fmt: skip
# Tags the overview names without defining them anywhere (§9.4.2 lists 1F0D... but these
# have no text at all): shown by their name with their bytes.
UNDEFINED_IN_TEXT = {0x1F48, 0x1F49, 0x1F4A, 0x1F4B, 0x1F4E, 0x1F4F, 0x1F50, 0x1F5A}


@pytest.mark.parametrize("command", sorted(set(ECR_COMMANDS) | set(PT_COMMANDS)))
def test_every_spec_command_has_a_typed_decoder(command):
    assert command in REGISTRY, f"{command[0]:02X} {command[1]:02X} has no message class"
    assert command in COMMAND_NAMES


@pytest.mark.parametrize("command", ANSWERED_WITH_DATA)
def test_every_answer_with_its_own_data_is_typed(command):
    if command == (0x06, 0xE7):
        return  # NumericInputDukptAnswer, chosen in decode_message
    assert command in ANSWERS


@pytest.mark.parametrize("command", NAMED_ONLY)
def test_commands_the_spec_only_names_are_named(command):
    assert command in COMMAND_NAMES
    message = decode_message(Apdu(*command, b"\x01\x02"))
    assert isinstance(message, UnknownMessage) and "unknown" not in message.name


@pytest.mark.parametrize("bmp_id", list(SPEC_BMPS))
def test_every_spec_bmp_has_a_format(bmp_id):
    assert bmp_id in BMP_SPECS


@pytest.mark.parametrize("tag", SPEC_TAGS)
def test_every_spec_tag_has_a_type(tag):
    spec = TAGS.get(tag)
    assert spec is not None, f"tag {tag:X} has no type"
    if tag in UNDEFINED_IN_TEXT:
        assert spec.name == "reserved"
    constructed = bool(tag.to_bytes(2 if tag > 0xFF else 1, "big")[0] & 0x20)
    assert (spec.kind is Kind.CONSTRUCTED) == constructed, f"{tag:X}"


def test_counts_quoted_in_docs():
    # docs/zvt.md "Coverage" quotes these numbers; keep them true.
    commands = set(ECR_COMMANDS) | set(PT_COMMANDS)
    assert (len(commands), len(SPEC_BMPS), len(set(SPEC_TAGS))) == (79, 76, 228)
    assert {t for t in TAGS if TAGS[t].vendor is None} == set(SPEC_TAGS)
    assert 0x1F64 not in TAGS  # "*** free ***"
