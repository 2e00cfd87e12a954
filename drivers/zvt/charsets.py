"""ZVT character-set codes (TLV 14, PA00P015 §9 "Miscellaneous") and the Python codecs for them.

    00        ASCII 7 bit (not the ZVT 7-bit set)
    01..10    ISO 8859-1 .. ISO 8859-16 (no 8859-12)
    FE        UTF-8
    FF        CP437, the ZVT 8-bit set: the default every PT supports

A PT announces the set it uses for print and display texts in TLV 27 {14 xx} of the
Registration Completion (§2.1, tag 27); without it, texts are CP437.
"""

from __future__ import annotations

from posdiag.drivers.zvt.tlv import TlvNode, find

DEFAULT_CODEC = "cp437"

_CODECS: dict[int, str] = {
    0x00: "ascii",
    **{n: f"iso-8859-{n}" for n in range(1, 0x11) if n != 12},
    0xFE: "utf-8",
    0xFF: "cp437",
}


def codec_for(code: int) -> str | None:
    """The Python codec of a TLV 14 value; None for a value the spec does not define."""
    return _CODECS.get(code)


def code_for(codec: str) -> int | None:
    """The TLV 14 value of a Python codec name ("latin-1" and "iso8859_1" alike)."""
    import codecs

    try:
        wanted = codecs.lookup(codec).name
    except LookupError:
        return None
    return next((code for code, name in _CODECS.items() if codecs.lookup(name).name == wanted),
                None)


def announced_codec(nodes: tuple[TlvNode, ...]) -> str | None:
    """The codec a PT announced in TLV 27 {14 xx}; None when it announced none (or several)."""
    box = find(nodes, 0x27)
    if box is None or not isinstance(box.value, tuple):
        return None
    codes = [n.value[0] for n in box.value
             if n.tag == 0x14 and isinstance(n.value, bytes) and len(n.value) == 1]
    if len(codes) != 1:
        return None
    return codec_for(codes[0])
