"""ESC t code-page numbers and the Python codecs that match them.

Numbers are those of the Epson "default" profile (escpos-printer-db
``dist/capabilities.json``, profile ``default``; Epson TM-T88 character code
tables). Clones such as the POS-5890 use other numbers: pass a different
table to the encoder and decoder for them.
"""

from __future__ import annotations

from posdiag.errors import BadInput
from posdiag.i18n import _

EPSON_CODEPAGES: dict[int, str] = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    13: "cp857",
    14: "cp737",
    15: "iso8859_7",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    32: "cp720",
    33: "cp775",
    34: "cp855",
    35: "cp861",
    36: "cp862",
    37: "cp864",
    38: "cp869",
    39: "iso8859_2",
    40: "iso8859_15",
    45: "cp1250",
    46: "cp1251",
    47: "cp1253",
    48: "cp1254",
    49: "cp1255",
    50: "cp1256",
    51: "cp1257",
    52: "cp1258",
}

DEFAULT_CODEPAGE = "cp437"  # what an Epson-compatible printer uses after ESC @
CHINESE_ENCODINGS = ("gb18030", "gbk", "gb2312")


def codepage_number(name: str, table: dict[int, str] | None = None) -> int:
    """The ESC t parameter for a codec name such as "cp858"."""
    table = EPSON_CODEPAGES if table is None else table
    wanted = name.lower().replace("-", "").replace("_", "")
    for number, codec in table.items():
        if codec.replace("_", "") == wanted:
            return number
    raise BadInput(_("code page {name!r} is not in the printer's table; use one of "
                     "{values}.").format(name=name, values=', '.join(sorted(set(table.values())))))
