"""README's exit-code table, made from posdiag.errors.EXIT_CODES (the one source).

``python -m posdiag.cli.exit_codes README.md`` rewrites the table between its markers;
tests/cli/test_exit_codes.py fails when README and the code disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posdiag.errors import EXIT_CODES
from posdiag.i18n import _

BEGIN, END = "<!-- exit-codes: made from posdiag/errors.py -->", "<!-- /exit-codes -->"


def markdown_table() -> str:
    rows = ["| code | meaning |", "|---:|---|"]
    rows += [f"| {code} | {meaning} |" for code, meaning in EXIT_CODES.items()]
    return "\n".join(rows)


def with_table(text: str) -> str:
    """``text`` with the block between the markers replaced by the current table."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(_("the markers {begin} … {end} are missing").format(begin=BEGIN, end=END))
    return text[:start] + f"{BEGIN}\n{markdown_table()}\n{END}" + text[end + len(END):]


def main(argv: list[str]) -> int:
    for name in argv or ["README.md"]:
        path = Path(name)
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
