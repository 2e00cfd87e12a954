"""Bech32 (BIP 173) as age uses it: no length limit, one case, checksum on the lower case.

age keys are ``age1…`` (recipients, lower case) and ``AGE-SECRET-KEY-1…``
(identities, upper case). Checking which case a key must have is the caller's
job; this module only refuses mixed case.
"""

from __future__ import annotations

from posdiag.errors import BadInput
from posdiag.i18n import _

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                chk ^= gen
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    mask = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & mask)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & mask)
    elif bits >= from_bits or (acc << (to_bits - bits)) & mask:
        # Leftover bits must be fewer than one input group and all zero (BIP 173).
        raise BadInput(_("The key has invalid padding bits; copy it again from its source."))
    return out


def encode(hrp: str, data: bytes) -> str:
    """Bech32 string for hrp + data, lower case (upper-case it for age identities)."""
    hrp = hrp.lower()
    values = _convert_bits(data, 8, 5, pad=True)
    checksum = _polymod([*_hrp_expand(hrp), *values, 0, 0, 0, 0, 0, 0]) ^ 1
    values += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[v] for v in values)


def decode(text: str) -> tuple[str, bytes]:
    """(hrp as written, data) of a Bech32 string; BadInput on any defect."""
    if text.lower() != text and text.upper() != text:
        raise BadInput(_("The key mixes upper and lower case; copy it again from its source."))
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise BadInput(_("The key contains characters that Bech32 does not allow."))
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise BadInput(_("The key is not a Bech32 string (no separator or checksum)."))
    hrp, lower = text[:pos], text.lower()
    try:
        values = [_VALUE[c] for c in lower[pos + 1 :]]
    except KeyError as err:
        raise BadInput(_("The key contains characters that Bech32 does not allow.")) from err
    if _polymod([*_hrp_expand(lower[:pos]), *values]) != 1:
        raise BadInput(_("The key's checksum is wrong; it was mistyped or truncated."))
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))
