"""TDES DUKPT (ANSI X9.24-1:2009 Annex A): the host's derivation and the PIN pad's registers.

A PIN pad never holds the base derivation key (BDK). It gets an initial key (IPEK) derived from
the BDK and its initial key serial number (KSN), fills 21 future-key registers from it, and then
throws the IPEK away. Each transaction uses the register of the counter's lowest one-bit and
regenerates the registers below it, so a stolen PIN pad cannot recompute past keys. The host
knows the BDK and walks the counter bits to reach the same key for any KSN.

Counters with more than 10 one-bits are skipped (this bounds the work per transaction), so a
device has 1,048,575 transactions; after counter 0x1FF800 it is exhausted.

All functions are pure; keys are ``bytes``. Published vectors: payment-crypto.md §1.1.
"""

from __future__ import annotations

from enum import Enum

from posdiag.i18n import _

try:  # cryptography >= 43 keeps TDES among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # Debian 12's python3-cryptography (38), used on field kits
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore[no-redef]
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from posdiag.crypto.dukpt_registers import DukptRegisters
from posdiag.errors import BadInput

TEST_BDK_TDES = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
"""The public ANSI X9.24-1 TEST base derivation key. For simulators and test devices only."""

TEST_IKSN_TDES = bytes.fromhex("FFFF9876543210E00000")
"""The initial KSN of the ANSI X9.24-1 TEST data (counter 0)."""

KSN_LENGTH = 10
COUNTER_BITS = 21
COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_ONE_BITS = 10
MAX_COUNTER = 0x1FF800
"""The last counter with at most 10 one-bits; the device is exhausted after it."""

_KEY_MASK = bytes.fromhex("C0C0C0C000000000C0C0C0C000000000")


class Variant(Enum):
    """The masks that turn a transaction key into a working key (X9.24-1:2009 Table A-1)."""

    PIN = bytes.fromhex("00000000000000FF00000000000000FF")
    MAC_REQUEST = bytes.fromhex("000000000000FF00000000000000FF00")
    MAC_RESPONSE = bytes.fromhex("00000000FF00000000000000FF000000")
    DATA_REQUEST = bytes.fromhex("0000000000FF00000000000000FF0000")
    DATA_RESPONSE = bytes.fromhex("000000FF00000000000000FF00000000")


# --- primitives --------------------------------------------------------------------------


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _ecb(key24: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    # 24-byte keys only: cryptography >= 47 deprecates 8- and 16-byte TripleDES keys.
    cipher = Cipher(TripleDES(key24), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(data) + ctx.finalize()


def _des(key8: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    """Single DES, as TDES with K1 = K2 = K3."""
    return _ecb(key8 * 3, block, decrypt=decrypt)


def tdes_ecb(key: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    """Two-key TDES in ECB mode over whole 8-byte blocks."""
    _check_key(key)
    if len(data) % 8:
        raise BadInput(_("TDES data must be a multiple of 8 bytes; pad it first."))
    return _ecb(key + key[:8], data, decrypt=decrypt)


def _check_key(key: bytes) -> None:
    if len(key) != 16:
        raise BadInput(_("A TDES DUKPT key has 16 bytes, not {key_length}; pass a "
                         "two-key TDES key.").format(key_length=len(key)))


def _check_ksn(ksn: bytes) -> None:
    if len(ksn) != KSN_LENGTH:
        raise BadInput(_("A TDES DUKPT KSN has 10 bytes, not {ksn_length}; pass the "
                         "full KSN.").format(ksn_length=len(ksn)))


# --- counters ------------------------------------------------------------------------------


def ksn_counter(ksn: bytes) -> int:
    """The 21-bit transaction counter at the right of a KSN."""
    _check_ksn(ksn)
    return int.from_bytes(ksn[-3:], "big") & COUNTER_MASK


def ksn_with_counter(ksn: bytes, counter: int) -> bytes:
    """The KSN with its counter bits replaced by ``counter``."""
    _check_ksn(ksn)
    if not 0 <= counter <= COUNTER_MASK:
        raise BadInput(_("A TDES DUKPT counter fits in 21 bits; {counter:#x} does "
                         "not.").format(counter=counter))
    value = (int.from_bytes(ksn, "big") & ~COUNTER_MASK) | counter
    return value.to_bytes(KSN_LENGTH, "big")


def is_valid_counter(counter: int) -> bool:
    """True for a counter a device may use: 1..0x1FFFFF with at most 10 one-bits."""
    return 0 < counter <= COUNTER_MASK and counter.bit_count() <= MAX_ONE_BITS


def next_valid_counter(counter: int) -> int | None:
    """The smallest usable counter above ``counter``, or None once the device is exhausted."""
    nxt = counter + 1
    while nxt.bit_count() > MAX_ONE_BITS:
        nxt += nxt & -nxt  # carry into the lowest one-bit: skips every counter in between
    return nxt if nxt <= COUNTER_MASK else None


# --- host side -----------------------------------------------------------------------------


def derive_ipek(bdk: bytes, ksn: bytes) -> bytes:
    """The initial PIN encryption key (IPEK) of the device with this KSN (X9.24-1 A.6)."""
    _check_key(bdk)
    _check_ksn(ksn)
    base = bytearray(ksn[:8])
    base[7] &= 0xE0  # clear the counter bits that reach into byte 7
    left = _ecb(bdk + bdk[:8], bytes(base))
    masked = _xor(bdk, _KEY_MASK)
    right = _ecb(masked + masked[:8], bytes(base))
    return left + right


def _nrkgp(key: bytes, register: bytes) -> bytes:
    """The non-reversible key generation process (X9.24-1 A.2)."""
    def half(k: bytes) -> bytes:
        return _xor(_des(k[:8], _xor(register, k[8:])), k[8:])

    return half(_xor(key, _KEY_MASK)) + half(key)


def transaction_key_from_ipek(ipek: bytes, ksn: bytes) -> bytes:
    """The current transaction key for ``ksn``, starting from its device's IPEK."""
    _check_key(ipek)
    counter = ksn_counter(ksn)
    if counter.bit_count() > MAX_ONE_BITS:
        raise BadInput(
            _("KSN counter {counter:#x} has more than 10 one-bits, which no DUKPT "
              "device uses; check the KSN.").format(counter=counter)
        )
    register = int.from_bytes(ksn[2:], "big") & ~COUNTER_MASK
    key = ipek
    bit = 1 << (COUNTER_BITS - 1)
    while bit:
        if counter & bit:
            register |= bit
            key = _nrkgp(key, register.to_bytes(8, "big"))
        bit >>= 1
    return key


def derive_transaction_key(bdk: bytes, ksn: bytes) -> bytes:
    """Host side: the current transaction key for any KSN, from the BDK."""
    return transaction_key_from_ipek(derive_ipek(bdk, ksn), ksn)


def working_key(transaction_key: bytes, variant: Variant) -> bytes:
    """The PIN, MAC or data key of a transaction (data keys pass the one-way function)."""
    _check_key(transaction_key)
    key = _xor(transaction_key, variant.value)
    if variant in (Variant.DATA_REQUEST, Variant.DATA_RESPONSE):
        # X9.24-1:2009 Figure A-2: encrypt each half under the variant key itself.
        key = tdes_ecb(key, key[:8]) + tdes_ecb(key, key[8:])
    return key


# --- using the keys ------------------------------------------------------------------------


def encrypt_pin_block(pin_key: bytes, clear_block: bytes) -> bytes:
    """Encrypt an 8-byte ISO 9564 format 0, 1 or 3 PIN block (TDES-ECB)."""
    if len(clear_block) != 8:
        raise BadInput(_("A TDES PIN block has 8 bytes; build it with posdiag.crypto.pinblock."))
    return tdes_ecb(pin_key, clear_block)


def decrypt_pin_block(pin_key: bytes, encrypted_block: bytes) -> bytes:
    """Decrypt an 8-byte encrypted PIN block back to the clear ISO 9564 block."""
    if len(encrypted_block) != 8:
        raise BadInput(_("A TDES PIN block has 8 bytes; pass the whole encrypted block."))
    return tdes_ecb(pin_key, encrypted_block, decrypt=True)


def _zero_pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % 8) if data else bytes(8)


def retail_mac(mac_key: bytes, data: bytes) -> bytes:
    """ANSI X9.19 / ISO 9797-1 algorithm 3 MAC with zero padding (8 bytes; send the left 4)."""
    _check_key(mac_key)
    chain = bytes(8)
    padded = _zero_pad(data)
    for start in range(0, len(padded), 8):
        chain = _des(mac_key[:8], _xor(chain, padded[start : start + 8]))
    return _des(mac_key[:8], _des(mac_key[8:], chain, decrypt=True))


def encrypt_data(data_key: bytes, data: bytes) -> bytes:
    """TDES-CBC with a zero IV and zero padding, as in the X9.24-1 test data."""
    _check_key(data_key)
    encryptor = Cipher(TripleDES(data_key + data_key[:8]), modes.CBC(bytes(8))).encryptor()
    return encryptor.update(_zero_pad(data)) + encryptor.finalize()


def decrypt_data(data_key: bytes, data: bytes) -> bytes:
    """Undo :func:`encrypt_data`; the zero padding stays (the length is not recorded)."""
    _check_key(data_key)
    if not data or len(data) % 8:
        raise BadInput(_("TDES-CBC data must be a non-empty multiple of 8 bytes."))
    decryptor = Cipher(TripleDES(data_key + data_key[:8]), modes.CBC(bytes(8))).decryptor()
    return decryptor.update(data) + decryptor.finalize()


# --- device side ---------------------------------------------------------------------------


class DukptTdesDevice(DukptRegisters):
    """The PIN pad's DUKPT state: 21 future-key registers, the KSN and the counter.

    Register ``i`` (0-based) belongs to counter bit ``1 << (20 - i)``, as registers #1..#21
    of X9.24-1. The IPEK is used once at load time and not kept. The registers' LRC of the
    standard is left out: this state lives in process memory, not in battery-backed RAM.
    """

    COUNTER_BITS = COUNTER_BITS
    MAX_ONE_BITS = MAX_ONE_BITS
    MAX_COUNTER = MAX_COUNTER
    NAME = "TDES"

    def __init__(self, ipek: bytes, iksn: bytes) -> None:
        """Load Initial Key: fill every future-key register from the IPEK, counter 1 next."""
        _check_key(ipek)
        self._ksn = ksn_with_counter(iksn, 0)
        self._load(ipek)

    @classmethod
    def at_counter(cls, ipek: bytes, iksn: bytes, counter: int) -> DukptTdesDevice:
        """A device as it stands just before using ``counter`` (simulator and test seam).

        A real PIN pad reaches this state only by running every earlier transaction; this
        computes the registers with the host derivation instead, so tests can start near the
        end of the counter range.
        """
        device = cls.__new__(cls)
        device._ksn = ksn_with_counter(iksn, 0)
        return device._preload(
            counter, lambda target: transaction_key_from_ipek(ipek, ksn_with_counter(iksn, target))
        )

    def _index(self, bit: int) -> int:
        return COUNTER_BITS - bit.bit_length()

    def _derive(self, key: bytes, counter: int) -> bytes:
        """New Key-3: the non-reversible key generation over the KSN's right 8 bytes."""
        return _nrkgp(key, (int.from_bytes(self._ksn[2:], "big") | counter).to_bytes(8, "big"))

    def _ksn_for(self, counter: int) -> bytes:
        return ksn_with_counter(self._ksn, counter)

    @staticmethod
    def _is_valid_counter(counter: int) -> bool:
        return is_valid_counter(counter)

    def encrypt_pin_block(self, clear_block: bytes) -> tuple[bytes, bytes]:
        """Encrypt an ISO 9564 format 0/1/3 block under the next PIN key: (KSN, encrypted)."""
        ksn, key = self.next_transaction_key()
        return ksn, encrypt_pin_block(working_key(key, Variant.PIN), clear_block)
