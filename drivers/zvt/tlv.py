"""The TLV container of BMP 06 (PA00P015 §9): BER tags and lengths. Pure, no I/O.

* Tag: byte 1 bits 8-7 class, bit 6 constructed, bits 5-1 number; number 1F
  means further tag bytes follow, each with bit 8 set except the last (except the
  spec's own two-byte tags 1F80-1F83, see ZVT_1F8X).
* Length: 00-7F in one byte, 81 nn, or 82 hi lo (big-endian, unlike the APDU).
* Constructed objects hold further objects and are parsed recursively.

Feig's cVEND treats tags FF00-FFFF as primitive although bit 6 is set: a tag in
that range whose content is not data objects is kept as bytes (``feig_primitive``);
otherwise the BER rule holds. ``decode_tlv_partial`` (the analyser's) also keeps
any other constructed content that is not data objects as raw bytes and says so,
and decodes a truncated container as far as its bytes go.

Names, types and rendering of the tags are in tlv_tags.py and tlv_render.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from posdiag.errors import ProtocolError
from posdiag.i18n import _

CONSTRUCTED = 0x20
# PA00P015 §9.4 defines 1F80-1F83 (file name, MIME type, transaction reference, acquirer)
# as two-byte tags, written and sent as 1F 80 ... 1F 83, although in BER a second byte
# with bit 8 set announces a third. The spec's literal form is taken for these four.
ZVT_1F8X = frozenset({0x80, 0x81, 0x82, 0x83})
MAX_DEPTH = 32  # nesting limit, so hostile input cannot exhaust the stack

TlvValue = bytes | tuple["TlvNode", ...]


@dataclass(frozen=True, slots=True)
class TlvNode:
    """One data object. A constructed tag holds a tuple of nodes, a primitive one bytes.

    A constructed tag may also hold bytes: content that is not data objects, kept as sent
    by the partial decoder (a vendor quirk or damage), so that it still re-encodes exactly.
    """

    tag: int
    value: TlvValue

    def __post_init__(self) -> None:
        if self.tag < 0 or not _well_formed(self.tag):
            raise ProtocolError(_("{tag:#x} is not a well-formed BER tag").format(tag=self.tag))
        if isinstance(self.value, tuple) and not is_constructed(self.tag):
            raise ProtocolError(_("TLV tag {tag:02X} is primitive; it cannot hold "
                                  "objects").format(tag=self.tag))

    @property
    def constructed(self) -> bool:
        return isinstance(self.value, tuple)

    def find(self, tag: int) -> TlvNode | None:
        """First descendant (depth first) with this tag."""
        return find(self.value, tag) if isinstance(self.value, tuple) else None

    def __repr__(self) -> str:
        # Values can be card data (tracks, PIN blocks): repr shows only the size.
        if isinstance(self.value, tuple):
            return f"TlvNode({self.tag:02X}, {list(self.value)!r})"
        return f"TlvNode({self.tag:02X}, <{len(self.value)} bytes>)"


def tag_bytes(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def _well_formed(tag: int) -> bool:
    raw = tag_bytes(tag)
    try:
        return parse_tag(raw, 0) == (tag, len(raw))
    except ProtocolError:
        return False


def is_constructed(tag: int) -> bool:
    return bool(tag_bytes(tag)[0] & CONSTRUCTED)


# --- decoding -------------------------------------------------------------------------------


def parse_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Tag starting at data[pos]; returns (tag, next position)."""
    start = pos
    try:
        first = data[pos]
        pos += 1
        if first & 0x1F == 0x1F:
            while True:
                byte = data[pos]
                pos += 1
                if not byte & 0x80 or (first == 0x1F and pos - start == 2 and byte in ZVT_1F8X):
                    break
    except IndexError as err:
        raise ProtocolError(_("TLV tag truncated at offset {start}").format(start=start)) from err
    return int.from_bytes(data[start:pos], "big"), pos


def parse_length(data: bytes, pos: int) -> tuple[int, int]:
    """BER length at data[pos]: 00-7F, 81 nn or 82 hi lo. Returns (length, next position)."""
    try:
        first = data[pos]
        if first < 0x80:
            return first, pos + 1
        if first == 0x81:
            return data[pos + 1], pos + 2
        if first == 0x82:
            return (data[pos + 1] << 8) | data[pos + 2], pos + 3
    except IndexError as err:
        raise ProtocolError(_("TLV length truncated at offset {pos}").format(pos=pos)) from err
    raise ProtocolError(_("TLV length byte {first:02X} at offset {pos} is invalid "
                          "(80 or RFU)").format(first=first, pos=pos))


def decode_tlv(data: bytes, _depth: int = 0) -> tuple[TlvNode, ...]:
    """All data objects in data (the content of BMP 06, without its own length)."""
    if _depth > MAX_DEPTH:
        raise ProtocolError(_("TLV nested deeper than {max_depth} levels").format(
                                max_depth=MAX_DEPTH))
    nodes: list[TlvNode] = []
    pos = 0
    while pos < len(data):
        tag, pos = parse_tag(data, pos)
        length, pos = parse_length(data, pos)
        end = pos + length
        if end > len(data):
            raise ProtocolError(
                _("TLV tag {tag:02X} says {length} bytes, only {value} follow").format(
                    tag=tag, length=length, value=len(data) - pos)
            )
        content = bytes(data[pos:end])
        value: TlvValue = content
        if is_constructed(tag):
            try:
                value = decode_tlv(content, _depth + 1)
            except ProtocolError:
                if not feig_primitive(tag):
                    raise
        nodes.append(TlvNode(tag, value))
        pos = end
    return tuple(nodes)


def feig_primitive(tag: int) -> bool:
    """Feig cVEND terminals send two-byte tags FF00-FFFF as primitives although bit 6 of FF
    says constructed (documented by ecrterm's VendorQuirks.FEIG_CVEND and EVerest's Feig
    packets: FF40 password, FF41 host configuration). Such a tag whose content is not data
    objects is kept as bytes instead of being an error."""
    return 0xFF00 <= tag <= 0xFFFF


# --- encoding -------------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return bytes((0x82, n >> 8, n & 0xFF))
    raise ProtocolError(_("TLV value of {n} bytes is longer than BER lengths allow "
                          "(65535)").format(n=n))


def encode_node(node: TlvNode) -> bytes:
    content = encode_tlv(node.value) if isinstance(node.value, tuple) else node.value
    return tag_bytes(node.tag) + encode_length(len(content)) + content


def encode_tlv(nodes: tuple[TlvNode, ...] | list[TlvNode]) -> bytes:
    return b"".join(encode_node(n) for n in nodes)


def find(nodes: tuple[TlvNode, ...], tag: int) -> TlvNode | None:
    for node in nodes:
        if node.tag == tag:
            return node
        if isinstance(node.value, tuple):
            hit = find(node.value, tag)
            if hit is not None:
                return hit
    return None


def find_all(nodes: tuple[TlvNode, ...], tag: int) -> list[TlvNode]:
    found: list[TlvNode] = []
    for node in nodes:
        if node.tag == tag:
            found.append(node)
        if isinstance(node.value, tuple):
            found.extend(find_all(node.value, tag))
    return found


def decode_tlv_partial(data: bytes) -> tuple[tuple[TlvNode, ...], list[str]]:
    """As much of a TLV container as its bytes hold, and what stopped or bent the decoding.

    A truncated object keeps the bytes that are there (a constructed one is decoded as far
    as they go); constructed content that is not data objects, or nests too deep, is kept
    as raw bytes. Never raises.
    """
    problems: list[str] = []
    return _decode_partial(data, 0, problems), problems


def _decode_partial(data: bytes, depth: int, problems: list[str]) -> tuple[TlvNode, ...]:
    nodes: list[TlvNode] = []
    pos = 0
    while pos < len(data):
        try:
            tag, body = parse_tag(data, pos)
            length, body = parse_length(data, body)
        except ProtocolError as err:
            problems.append(_("{error}; {count} byte(s) not decoded").format(
                error=err, count=len(data) - pos))
            break
        end = body + length
        if end > len(data):
            problems.append(_("TLV tag {tag} says {length} bytes, only {present} follow "
                              "(truncated)").format(tag=tag_hex(tag), length=length,
                                                    present=len(data) - body))
        content = bytes(data[body:end])
        value: TlvValue = content
        if is_constructed(tag):
            value = _children_or_bytes(tag, content, depth, problems, end > len(data))
        nodes.append(TlvNode(tag, value))
        pos = end
    return tuple(nodes)


def _children_or_bytes(
    tag: int, content: bytes, depth: int, problems: list[str], cut: bool
) -> TlvValue:
    if depth >= MAX_DEPTH:
        problems.append(_("TLV nested deeper than {depth} levels; tag {tag} kept as "
                          "bytes").format(depth=MAX_DEPTH, tag=tag_hex(tag)))
        return content
    try:
        return decode_tlv(content, depth + 1)
    except ProtocolError:
        pass
    if feig_primitive(tag) and not cut:
        return content
    inner: list[str] = []
    children = _decode_partial(content, depth + 1, inner)
    if cut:
        problems.extend(inner)  # a cut-off container: what is there are data objects
        return children
    problems.append(_("TLV tag {tag} is constructed but its {count} bytes are not data "
                      "objects; kept as bytes").format(tag=tag_hex(tag), count=len(content)))
    return content


def tag_hex(tag: int) -> str:
    return tag_bytes(tag).hex().upper()
