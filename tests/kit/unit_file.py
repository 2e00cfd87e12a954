"""A strict reader of systemd unit files for the tests (systemd.syntax(7)).

configparser will not do: systemd adds repeated keys up (DeviceAllow=, SystemCallFilter=),
and an empty value (CapabilityBoundingSet=) means "reset". Anything not a section header,
a comment, an empty line or KEY=VALUE is an error.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r"\[([A-Za-z]+)\]")
_ASSIGNMENT = re.compile(r"([A-Za-z][A-Za-z0-9]*)=(.*)")


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """section -> key -> every value given, in order."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if header := _SECTION.fullmatch(stripped):
            if header.group(1) in sections:
                raise ValueError(f"line {number}: section [{header.group(1)}] given twice")
            current = sections.setdefault(header.group(1), {})
            continue
        assignment = _ASSIGNMENT.fullmatch(stripped)
        if assignment is None or current is None:
            raise ValueError(f"line {number}: not a section or KEY=VALUE: {line!r}")
        current.setdefault(assignment.group(1), []).append(assignment.group(2))
    return sections
