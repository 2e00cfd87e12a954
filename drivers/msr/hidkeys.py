"""USB HID boot-keyboard reports <-> text, for keyboard-wedge card readers. Pure.

A boot report is 8 bytes: modifiers, reserved, then up to six pressed key usage
codes (HID Usage Tables, Keyboard/Keypad page 0x07). A key counts once, in the
report where it first appears; shift is either shift modifier bit.
"""

from __future__ import annotations

from collections.abc import Iterable

from posdiag.errors import BadInput
from posdiag.i18n import _

REPORT_SIZE = 8
SHIFT_BITS = 0x02 | 0x20  # left shift, right shift
ROLLOVER = 0x01  # "ErrorRollOver": too many keys; the report carries no keys
ENTER = 0x28

_PLAIN = {**{4 + i: chr(ord("a") + i) for i in range(26)},
          **{30 + i: str((i + 1) % 10) for i in range(10)},
          0x28: "\n", 0x2B: "\t", 0x2C: " ", 0x2D: "-", 0x2E: "=", 0x2F: "[", 0x30: "]",
          0x31: "\\", 0x33: ";", 0x34: "'", 0x35: "`", 0x36: ",", 0x37: ".", 0x38: "/"}
_SHIFTED = {**{4 + i: chr(ord("A") + i) for i in range(26)},
            **dict(zip(range(30, 40), "!@#$%^&*()", strict=True)),
            0x28: "\n", 0x2B: "\t", 0x2C: " ", 0x2D: "_", 0x2E: "+", 0x2F: "{", 0x30: "}",
            0x31: "|", 0x33: ":", 0x34: '"', 0x35: "~", 0x36: "<", 0x37: ">", 0x38: "?"}
_TO_KEY = {ch: (usage, False) for usage, ch in _PLAIN.items()}
_TO_KEY.update({ch: (usage, True) for usage, ch in _SHIFTED.items() if ch not in _TO_KEY})


def decode_keyboard_reports(reports: Iterable[bytes]) -> tuple[str, int]:
    """Text typed by a run of boot reports, and how many keys had no character."""
    text: list[str] = []
    unknown = 0
    held: set[int] = set()
    for report in reports:
        if len(report) != REPORT_SIZE:
            unknown += 1
            continue
        keys = [k for k in report[2:] if k]
        if ROLLOVER in keys:
            continue
        table = _SHIFTED if report[0] & SHIFT_BITS else _PLAIN
        for key in keys:
            if key in held:
                continue
            if key in table:
                text.append(table[key])
            else:
                unknown += 1
        held = set(keys)
    return "".join(text), unknown


def encode_keyboard_reports(text: str) -> list[bytes]:
    """The reports a keyboard wedge sends for text: a press and a release per character."""
    release = bytes(REPORT_SIZE)
    reports: list[bytes] = []
    for ch in text:
        if ch not in _TO_KEY:
            raise BadInput(_("character {ch!r} has no key on a US keyboard layout.").format(ch=ch))
        usage, shift = _TO_KEY[ch]
        reports.append(bytes((0x02 if shift else 0, 0, usage, 0, 0, 0, 0, 0)))
        reports.append(release)
    return reports
