"""`posdiag zvt`: ZVT protocol tools; `decode` is the analyser for captured traffic."""

from __future__ import annotations

import json
from pathlib import Path

import click

from posdiag.cli.help import Group
from posdiag.errors import BadInput, UsageError
from posdiag.i18n import N_, _


@click.group(cls=Group)
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
              help=N_("Capture file: one frame or APDU per line, optional > or < prefix."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object per message."))
@click.option("--answering", metavar="CCII",
              help=N_("The command a single Completion, 80 00 or 84 xx answers, e.g. 0501."))
@click.option("--charset", default=None, metavar="NAME",
              help=N_("Character set of print and display texts (cp437, zvt7, latin-1, "
                      "iso8859-15, utf-8). Default: what the terminal announces in the "
                      "capture (TLV 27/14 of its Registration Completion), else the spec's "
                      "defaults."))  # fmt: skip
def decode(
    hex_bytes: tuple[str, ...], capture: Path | None, as_json: bool, answering: str | None,
    charset: str | None,
) -> None:  # fmt: skip
    """Decode captured ZVT traffic: serial frames, ACK/NAK bytes or bare APDUs.

    Every field is named and shown in words; PANs are masked, track data and
    PIN blocks are withheld, control characters are escaped. A truncated or
    damaged message is decoded as far as its bytes go and the problem named.
    Lines starting with # are comments. With --file, a summary of how many
    messages decoded completely goes to stderr.

    \b
    Examples:
      posdiag zvt decode 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00
      posdiag zvt decode "> 10 02 05 01 03 11 22 33 10 03 8C 2E"
      posdiag zvt decode --file capture.txt --json
      posdiag zvt decode --file capture.txt --charset latin-1
    """
    from posdiag.drivers.zvt import analyser, charsets
    from posdiag.drivers.zvt import capture as captures

    chosen = charsets.normalise(charset) if charset is not None else None
    if capture is not None and hex_bytes:
        raise UsageError(_("give either HEX bytes or --file, not both."))
    if capture is not None:
        if answering:
            raise UsageError(_("--answering is for a single message; a capture file keeps "
                               "its own context."))  # fmt: skip
        try:
            text = capture.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            raise BadInput(_("cannot read {path}: {reason}; check the path.").format(
                path=capture, reason=err.strerror)) from err
        reports = captures.analyse_capture(text.splitlines(), chosen)
    elif hex_bytes:
        context = analyser.parse_command(answering) if answering else None
        direction, data = analyser.parse_hex(" ".join(hex_bytes))
        report, _message = analyser.analyse(data, direction, context, charset=chosen,
                                            fixed=chosen is not None)  # fmt: skip
        reports = [report]
    else:
        raise UsageError(_("nothing to decode: give HEX bytes or --file CAPTURE (see --help)."))
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            click.echo(report.render())
    if capture is not None:
        summary = captures.summarise(reports)
        click.echo(_("{n} messages: {complete} decoded completely, {partial} partly, "
                     "{undecoded} not decoded.").format(
                         n=summary.messages, complete=summary.complete,
                         partial=summary.partial, undecoded=summary.undecoded), err=True)
