"""APDU length rules (PA00P016 §5.2) and TCP reassembly (§4): known answers, then properties."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.drivers.zvt.apdu import Apdu, decode_apdu, parse_apdu, total_size
from posdiag.drivers.zvt.transport import TcpTransport
from posdiag.errors import LinkTimeout, ProtocolError


def test_short_length_byte():
    assert Apdu(0x06, 0x0F, b"").encode() == bytes.fromhex("06 0F 00")
    assert decode_apdu(bytes.fromhex("05 01 03 12 34 56")) == Apdu(0x05, 0x01, b"\x12\x34\x56")


def test_extended_length_is_ff_then_low_byte_first():
    # A real Print Text-Block header: 06 D3 FF 61 04 = 0x0461 = 1121 data bytes (zvt.md §2.1).
    apdu = Apdu(0x06, 0xD3, bytes(1121))
    assert apdu.encode()[:5] == bytes.fromhex("06 D3 FF 61 04")
    assert total_size(apdu.encode()[:5]) == 1126
    assert Apdu(0x06, 0xD3, bytes(254)).encode()[:3] == bytes.fromhex("06 D3 FE")
    assert Apdu(0x06, 0xD3, bytes(255)).encode()[:5] == bytes.fromhex("06 D3 FF FF 00")


def test_a_sender_using_the_long_form_for_short_data_round_trips():
    wire = bytes.fromhex("06 0F FF 01 00 00")
    apdu = decode_apdu(wire)
    assert apdu.data == b"\x00" and apdu.encode() == wire


@pytest.mark.parametrize(
    "wire", ["", "06", "06 0F", "06 0F 02 00", "06 0F FF 03", "06 0F FF 05 00 01"]
)
def test_incomplete_apdus_are_protocol_errors(wire):
    with pytest.raises(ProtocolError):
        decode_apdu(bytes.fromhex(wire))


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=70000))
def test_round_trip(cls, instr, data):
    if len(data) > 0xFFFF:
        with pytest.raises(ProtocolError):
            Apdu(cls, instr, data)
        return
    apdu = Apdu(cls, instr, data)
    assert decode_apdu(apdu.encode()) == apdu


@given(st.binary(max_size=400))
def test_random_bytes_raise_only_protocol_error(data):
    with contextlib.suppress(ProtocolError):
        parse_apdu(data)


class ChunkLink:
    """A ByteLink that hands out pre-arranged chunks, as a TCP stack may deliver them."""

    description = "test link"

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.written = b""

    def read(self, size, timeout):
        return self.chunks.pop(0) if self.chunks else b""

    def write(self, data):
        self.written += data

    def close(self):
        pass


@given(st.lists(st.binary(max_size=600), min_size=1, max_size=5), st.data())
def test_tcp_reassembles_apdus_however_the_bytes_are_split(payloads, data):
    apdus = [Apdu(0x04, 0x0F, p) for p in payloads]
    stream = b"".join(a.encode() for a in apdus)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    transport = TcpTransport(ChunkLink([c for c in chunks if c]))
    assert [transport.receive(1.0) for _ in apdus] == apdus


def test_tcp_receive_times_out_on_a_partial_apdu():
    transport = TcpTransport(ChunkLink([bytes.fromhex("06 0F 05 00")]))
    with pytest.raises(LinkTimeout):
        transport.receive(0.05)


def test_apdu_text_forms_never_show_the_data():
    # A Read Card answer carries track 2; logging an APDU must not copy it.
    apdu = Apdu(0x04, 0x0F, bytes.fromhex("23 F3 F7 47 61 73 90 01 01 00 10 D2 51 22 01"))
    assert str(apdu) == "04 0F [15 bytes]"
    assert "4761" not in repr(apdu) and "47 61" not in str(apdu)
