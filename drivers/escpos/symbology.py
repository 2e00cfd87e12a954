"""Barcode symbols as a printer draws them: GS k data -> bar and space widths in dots. Pure.

Each symbology follows the printer's rules for its data (Epson ESC/POS, GS k notes): UPC-A
and EAN take the check digit when one is given (unchecked) and add it otherwise, UPC-E
accepts 6, 7, 8, 11 or 12 digits (zero suppression), CODE39 gets its start and stop
characters, CODE93 its two check characters, CODE128 is drawn in exactly the code sets and
FNC codes the data selects (``{A``, ``{B``, ``{C``, ``{S``, ``{1``..``{4``, ``{{``).

Patterns come from python-barcode (EAN/UPC digit codes, CODE39, ITF, CODABAR, the CODE128
module table; the ``png`` extra); CODE93 and the UPC-E parity table, which it lacks, are
written out here from the symbology specifications. Module widths follow ``GS w n``: one
module is n dots, and the wide element of two-width symbologies is 2.5 n (Epson's table:
2/5, 3/8, 4/10, 5/13, 6/15 dots).
"""

from __future__ import annotations

from dataclasses import dataclass

from posdiag.drivers.escpos.model import Barcode
from posdiag.i18n import _

WIDE = {2: 5, 3: 8, 4: 10, 5: 13, 6: 15}  # GS w n: dots of a wide element
QUIET_MODULES = 10  # white on either side


class NotPrinted(Exception):
    """The printer would print no symbol for this data (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Bars:
    """A 1D symbol: element widths in dots, bar first, alternating bar and space."""

    widths: tuple[int, ...]
    hri: str  # the human-readable text printed with it

    @property
    def dots(self) -> int:
        return sum(self.widths)


def bars_for(barcode: Barcode) -> Bars:
    """The symbol a printer prints for barcode; NotPrinted when it prints none."""
    n = barcode.module_width if barcode.module_width in WIDE else 3
    raw = barcode.raw or barcode.data.encode("latin-1", "replace")
    name = barcode.symbology
    if name in ("CODE128", "GS1-128"):
        modules, hri = _code128(raw, gs1=name == "GS1-128")
        return Bars(_runs(modules, n), hri)
    if name == "CODE93":
        modules, hri = _code93(raw)
        return Bars(_runs(modules, n), hri)
    text = raw.decode("latin-1")
    if name in ("EAN13", "EAN8", "UPC-A"):
        modules, hri = _ean(name, text)
        return Bars(_runs(modules, n), hri)
    if name == "UPC-E":
        modules, hri = _upce(text)
        return Bars(_runs(modules, n), hri)
    if name in ("CODE39", "ITF", "CODABAR"):
        modules, hri = _two_width(name, text)
        return Bars(_two_width_runs(modules, n, WIDE[n]), hri)
    raise NotPrinted(_("{name} is not drawn").format(name=name))


def _runs(modules: str, dots: int) -> tuple[int, ...]:
    """'1110100' -> (3, 1, 1, 2) * dots: runs of equal modules."""
    runs: list[int] = []
    previous = ""
    for module in modules:
        if module == previous:
            runs[-1] += dots
        else:
            runs.append(dots)
            previous = module
    return tuple(runs)


def _two_width_runs(modules: str, narrow: int, wide: int) -> tuple[int, ...]:
    """python-barcode writes wide elements as longer module runs: map them to printer dots."""
    runs = _runs(modules, 1)
    shortest = min(runs)
    return tuple(narrow if r == shortest else wide for r in runs)


def _digits(text: str, lengths: tuple[int, ...], name: str) -> str:
    if not text.isdigit() or not text.isascii() or len(text) not in lengths:
        raise NotPrinted(_("{name} takes {map} digits").format(
                             name=name, map=' or '.join(map(str, lengths))))
    return text


def _check_digit(digits: str) -> str:
    """The UPC/EAN modulo-10 check digit (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _ean(name: str, text: str) -> tuple[str, str]:
    from barcode.charsets import ean

    size = {"EAN13": 13, "EAN8": 8, "UPC-A": 12}[name]
    code = _digits(text, (size - 1, size), name)
    if len(code) == size - 1:
        code += _check_digit(code)
    code13 = "0" + code if name == "UPC-A" else code  # UPC-A is EAN-13 with a leading 0
    if name == "EAN8":
        left, right = code[:4], code[4:]
        out = ean.EDGE + "".join(ean.CODES["A"][int(d)] for d in left) + ean.MIDDLE
        return out + "".join(ean.CODES["C"][int(d)] for d in right) + ean.EDGE, code
    parity = ean.LEFT_PATTERN[int(code13[0])]
    left = "".join(ean.CODES[p][int(d)] for p, d in zip(parity, code13[1:7], strict=True))
    right = "".join(ean.CODES["C"][int(d)] for d in code13[7:])
    return ean.EDGE + left + ean.MIDDLE + right + ean.EDGE, code


# UPC-E, number system 0: the check digit picks the parity of the six digits (O odd, E even).
_UPCE_PARITY = ("EEEOOO", "EEOEOO", "EEOOEO", "EEOOOE", "EOEEOO", "EOOEEO", "EOOOEE", "EOEOEO",
                "EOEOOE", "EOOEOE")


def _upce(text: str) -> tuple[str, str]:
    from barcode.charsets import ean

    code = _digits(text, (6, 7, 8, 11, 12), "UPC-E")
    given_check = code[7] if len(code) == 8 else code[11] if len(code) == 12 else None
    if len(code) == 6:
        short = code
    elif len(code) in (7, 8):
        if code[0] != "0":
            raise NotPrinted(_("UPC-E needs number system 0"))
        short = code[1:7]
    else:
        if code[0] != "0":
            raise NotPrinted(_("UPC-E needs number system 0"))
        short = _suppress_zeros(code[1:11])
    check = given_check or _check_digit("0" + _expand(short))
    parity = _UPCE_PARITY[int(check)]
    digits = "".join(ean.CODES["A" if p == "O" else "B"][int(d)]
                     for p, d in zip(parity, short, strict=True))
    return "101" + digits + "010101", "0" + short + check


def _expand(short: str) -> str:
    """UPC-E six digits -> the ten digits of the UPC-A they stand for (without NSC, check)."""
    d1, d2, d3, d4, d5, d6 = tuple(short)
    if d6 in "012":
        return d1 + d2 + d6 + "0000" + d3 + d4 + d5
    if d6 == "3":
        return d1 + d2 + d3 + "00000" + d4 + d5
    if d6 == "4":
        return d1 + d2 + d3 + d4 + "00000" + d5
    return d1 + d2 + d3 + d4 + d5 + "0000" + d6


def _suppress_zeros(ten: str) -> str:
    """UPC-A manufacturer + product digits -> UPC-E six digits; NotPrinted if impossible."""
    maker, item = ten[:5], ten[5:]
    if maker[2] in "012" and maker[3:] == "00" and item[:2] == "00":
        return maker[:2] + item[2:] + maker[2]
    if maker[3:] == "00" and item[:3] == "000":
        return maker[:3] + item[3:] + "3"
    if maker[4] == "0" and item[:4] == "0000":
        return maker[:4] + item[4] + "4"
    if item[:4] == "0000" and item[4] in "56789":
        return maker + item[4]
    raise NotPrinted(_("this UPC-A number has no UPC-E form"))


def _two_width(name: str, text: str) -> tuple[str, str]:
    import barcode

    try:
        if name == "CODE39":
            body = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "*" else text
            symbol = barcode.get_barcode_class("code39")(body, add_checksum=False)
            return symbol.build()[0], f"*{body}*"
        if name == "ITF":
            if not text.isdigit() or len(text) % 2:
                raise NotPrinted(_("ITF takes an even number of digits"))
            return barcode.get_barcode_class("itf")(text).build()[0], text
        if len(text) < 2 or text[0].upper() not in "ABCD" or text[-1].upper() not in "ABCD":
            raise NotPrinted(_("CODABAR data starts and ends with A, B, C or D"))
        return barcode.get_barcode_class("codabar")(text.upper()).build()[0], text
    except (barcode.errors.BarcodeError, KeyError, ValueError) as err:
        raise NotPrinted(_("{name} cannot encode this data ({err})").format(
                             name=name, err=err)) from err


# --- CODE128: the code sets exactly as the data selects them ------------------------------

_START = {"A": 103, "B": 104, "C": 105}
_SWITCH = {"A": 101, "B": 100, "C": 99}  # value of "Code X" (seen from another set)
_FNC = {"1": 102, "2": 97, "3": 96}  # FNC4 is 101 in set A, 100 in set B


def _code128(raw: bytes, *, gs1: bool = False) -> tuple[str, str]:
    from barcode.charsets import code128

    values, text = _code128_values(raw, gs1=gs1)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], 1))) % 103
    modules = "".join(code128.CODES[v] for v in (*values, check))
    return modules + code128.STOP + "11", text


def _code128_values(raw: bytes, *, gs1: bool) -> tuple[list[int], str]:
    if gs1:  # GS1-128: FNC1 first, AIs written in parentheses for people only
        data = raw.replace(b"(", b"").replace(b")", b"")
        digits = data.isdigit() and len(data) % 2 == 0
        raw = (b"{C{1" if digits else b"{B{1") + (data if not digits else
                                                   bytes(int(data[i:i + 2])
                                                         for i in range(0, len(data), 2)))
    if len(raw) < 2 or raw[0] != 0x7B or chr(raw[1]) not in "ABC":
        raise NotPrinted(_("CODE128 data must start with {a}, {b} or {c}").format(
            a="{A", b="{B", c="{C"))
    code_set = chr(raw[1])
    values, text = [_START[code_set]], []
    shifted = False
    i = 2
    while i < len(raw):
        byte = raw[i]
        if byte == 0x7B and i + 1 < len(raw) and raw[i + 1] != 0x7B:
            ctl = chr(raw[i + 1])
            i += 2
            if ctl in "ABC":
                if ctl != code_set:
                    values.append(_SWITCH[ctl])
                    code_set = ctl
            elif ctl in _FNC:
                values.append(_FNC[ctl])
            elif ctl == "4" and code_set in "AB":
                values.append(101 if code_set == "A" else 100)
            elif ctl == "S" and code_set in "AB":
                values.append(98)
                shifted = True
                continue
            else:
                raise NotPrinted(_("CODE128 control {{{ctl} not known in code set "
                                   "{code_set}").format(ctl=ctl, code_set=code_set))
            continue
        if byte == 0x7B:
            i += 1  # "{{" is one "{"
        current = ("B" if code_set == "A" else "A") if shifted else code_set
        shifted = False
        if current == "C":
            if byte > 99:
                raise NotPrinted(_("CODE128 code set C takes values 0 to 99"))
            values.append(byte)
            text.append(f"{byte:02d}")
        elif current == "A" and byte < 0x60:
            values.append(byte + 64 if byte < 0x20 else byte - 0x20)
            text.append(chr(byte))
        elif current == "B" and 0x20 <= byte < 0x80:
            values.append(byte - 0x20)
            text.append(chr(byte))
        else:
            raise NotPrinted(_("CODE128 code set {current} has no character "
                               "{byte:#04x}").format(current=current, byte=byte))
        i += 1
    return values, "".join(text)


# --- CODE93 (AIM USS-93): 47 characters of 9 modules, two check characters, full ASCII ----

_C93_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_C93_WIDTHS = (
    "131112", "111213", "111312", "111411", "121113", "121212", "121311", "111114", "131211",
    "141111", "211113", "211212", "211311", "221112", "221211", "231111", "112113", "112212",
    "112311", "122112", "132111", "111123", "111222", "111321", "121122", "131121", "212112",
    "212211", "211122", "211221", "221121", "222111", "112122", "112221", "122121", "123111",
    "121131", "311112", "311211", "321111", "112131", "113121", "211131",
    "121221", "312111", "311121", "122211",  # the shifts ($) (%) (/) (+): values 43..46
)
_C93_START_STOP = "111141"
_SHIFT_DOLLAR, _SHIFT_PERCENT, _SHIFT_SLASH, _SHIFT_PLUS = 43, 44, 45, 46


def _c93_full_ascii(byte: int) -> list[int]:
    """A byte as CODE93 values: itself, or a shift character and a letter (full ASCII)."""
    ch = chr(byte)
    if ch in _C93_CHARS:
        return [_C93_CHARS.index(ch)]
    letter = _C93_CHARS.index
    if 1 <= byte <= 26:
        return [_SHIFT_DOLLAR, letter(chr(byte + 64))]
    if ch.islower() and ch.isascii():
        return [_SHIFT_PLUS, letter(ch.upper())]
    table = {0: "%U", 27: "%A", 28: "%B", 29: "%C", 30: "%D", 31: "%E", 59: "%F", 60: "%G",
             61: "%H", 62: "%I", 63: "%J", 64: "%V", 91: "%K", 92: "%L", 93: "%M", 94: "%N",
             95: "%O", 96: "%W", 123: "%P", 124: "%Q", 125: "%R", 126: "%S", 127: "%T",
             33: "/A", 34: "/B", 35: "/C", 38: "/F", 39: "/G", 40: "/H", 41: "/I", 42: "/J",
             44: "/L", 58: "/Z"}
    if byte not in table:
        raise NotPrinted(_("CODE93 has no character {byte:#04x}").format(byte=byte))
    shift, letter_ch = tuple(table[byte])
    return [_SHIFT_PERCENT if shift == "%" else _SHIFT_SLASH, letter(letter_ch)]


def _code93(raw: bytes) -> tuple[str, str]:
    if not raw:
        raise NotPrinted(_("CODE93 needs data"))
    values = [v for byte in raw for v in _c93_full_ascii(byte)]
    for weights_max in (20, 15):  # check character C, then K over the data and C
        total = sum(v * (i % weights_max + 1) for i, v in enumerate(reversed(values)))
        values.append(total % 47)
    widths = [_C93_START_STOP, *(_C93_WIDTHS[v] for v in values), _C93_START_STOP]
    modules = "".join("".join(("1" if k % 2 == 0 else "0") * int(w) for k, w in enumerate(ws))
                      for ws in widths)
    return modules + "1", raw.decode("latin-1")  # a termination bar ends the symbol
