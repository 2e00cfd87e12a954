"""`posdiag zvt`: ZVT protocol tools; `decode` is the analyser for captured traffic."""

from __future__ import annotations

import json
from pathlib import Path

import click

from posdiag.errors import BadInput, UsageError


@click.group()
def zvt() -> None:
    """ZVT protocol tools.

    \b
    Examples:
      posdiag zvt decode 10 02 06 0F 00 10 03 C6 33
      posdiag zvt decode --file capture.txt --json
    """


@zvt.command()
@click.argument("hex_bytes", nargs=-1, metavar="HEX...")
@click.option("--file", "capture", type=click.Path(dir_okay=False, path_type=Path),
              help="Capture file: one frame or APDU per line, optional > or < prefix.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option("--answering", metavar="CCII",
              help="The ECR command a single Completion/80 00 answers, e.g. 0501.")
@click.option("--charset", default="cp437", show_default=True,
              help="Character set of printed text (latin-1 for card complete, Feig).")
def decode(
    hex_bytes: tuple[str, ...], capture: Path | None, as_json: bool, answering: str | None,
    charset: str,
) -> None:  # fmt: skip
    """Decode captured ZVT traffic: serial frames, ACK/NAK bytes or bare APDUs.

    Every field is named and shown in words; PANs are masked, track data and
    PIN blocks are withheld. Lines starting with # are comments.

    \b
    Examples:
      posdiag zvt decode 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 --answering 0501
      posdiag zvt decode "> 10 02 05 01 03 12 34 56 10 03 E0 43"
      posdiag zvt decode --file capture.txt --json
    """
    from posdiag.drivers.zvt import analyser

    try:
        "".encode(charset)
    except LookupError:
        raise BadInput(f"unknown character set {charset!r}; try cp437 or latin-1.") from None
    if capture is not None and hex_bytes:
        raise UsageError("give either HEX bytes or --file, not both.")
    if capture is not None:
        if answering:
            raise UsageError("--answering is for a single message; a capture file keeps its "
                             "own context.")  # fmt: skip
        try:
            text = capture.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            raise BadInput(f"cannot read {capture}: {err.strerror}; check the path.") from err
        reports = analyser.analyse_capture(text.splitlines(), charset)
    elif hex_bytes:
        context = analyser.parse_command(answering) if answering else None
        direction, data = analyser.parse_hex(" ".join(hex_bytes))
        report, _ = analyser.analyse(data, direction, context, charset=charset)
        reports = [report]
    else:
        raise UsageError("nothing to decode: give HEX bytes or --file CAPTURE (see --help).")
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            click.echo(report.render())
