"""An independent reader of udev rule lines (udev(7) "Rules Files"), used only by the tests.

It shares no code with posdiag/kit/udev.py: it splits each line into
KEY[{attr}] OPERATOR "value" pairs and knows which keys may match, which may
assign, and with which operators. Unknown keys or operators raise ValueError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# udev(7): keys that only match, keys that only assign, keys that do both.
MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TAGS", "CONST", "TEST", "PROGRAM", "RESULT"}
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT",
               "OPTIONS"}
BOTH = {"NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG"}
WITH_ATTRIBUTE = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "IMPORT", "RUN",
                  "SECLABEL"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}
# Keys whose assignment takes only "=" (LABEL/GOTO/IMPORT) or "=" / ":=" (ownership, mode).
ONLY_EQUALS = {"LABEL", "GOTO", "IMPORT", "OPTIONS"}
FINAL_OK = {"OWNER", "GROUP", "MODE", "NAME", "SYMLINK", "TAG", "RUN", "ENV", "SECLABEL"}
IMPORT_TYPES = {"program", "builtin", "file", "db", "cmdline", "parent"}

_PAIR = re.compile(r'\s*([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


@dataclass(frozen=True, slots=True)
class Pair:
    key: str
    attribute: str | None
    op: str
    value: str

    @property
    def is_match(self) -> bool:
        return self.op in MATCH_OPS


def parse_rule_line(line: str) -> list[Pair]:
    """The pairs of one rule line; ValueError on anything udev would not accept."""
    pairs: list[Pair] = []
    rest = line.strip()
    while rest:
        match = _PAIR.match(rest)
        if match is None:
            raise ValueError(f"cannot read a KEY OP \"value\" pair at: {rest!r}")
        key, attribute, op, value = match.groups()
        pairs.append(_check(Pair(key, attribute, op, value)))
        rest = rest[match.end():]
        if rest:
            if not rest.startswith(","):
                raise ValueError(f"pairs must be separated by commas at: {rest!r}")
            rest = rest[1:]
            if not rest.strip():
                raise ValueError("a rule line must not end with a comma")
    if not pairs:
        raise ValueError("empty rule")
    return pairs


def _check(pair: Pair) -> Pair:
    key, op = pair.key, pair.op
    if key not in MATCH_ONLY | ASSIGN_ONLY | BOTH:
        raise ValueError(f"unknown key {key}")
    if (pair.attribute is not None) != (key in WITH_ATTRIBUTE) and key not in {"RUN", "IMPORT"}:
        raise ValueError(f"{key} {'needs' if key in WITH_ATTRIBUTE else 'takes no'} {{attribute}}")
    if op in MATCH_OPS and key in ASSIGN_ONLY:
        raise ValueError(f"{key} cannot be matched")
    if op in ASSIGN_OPS and key in MATCH_ONLY:
        raise ValueError(f"{key} cannot be assigned")
    if key in ONLY_EQUALS and op != "=":
        raise ValueError(f"{key} takes only '='")
    if op == ":=" and key not in FINAL_OK:
        raise ValueError(f"{key} cannot be made final with ':='")
    if key == "IMPORT" and pair.attribute not in IMPORT_TYPES:
        raise ValueError(f"IMPORT{{{pair.attribute}}} is not an import type")
    if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", pair.value):
        raise ValueError(f"MODE {pair.value!r} is not an octal mode")
    return pair


def rule_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every rule line: comments and blank lines left out."""
    return [(n, line) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
