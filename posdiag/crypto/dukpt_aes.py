"""AES DUKPT (ANSI X9.24-3:2017): the host's derivation and the device's intermediate keys.

Every key comes from one AES-ECB step, ``derive(K, DD)``, where the 16-byte derivation data DD
names the new key's usage, algorithm and length and carries the counter (X9.24-3 6.3). The
initial key (IK) comes from the BDK and the 8-byte initial key ID; a transaction key comes from
the IK by walking the set counter bits from the top; working keys (PIN, MAC, data) come from the
transaction key. The device keeps 32 intermediate derivation registers, one per counter bit,
and skips counters with more than 16 one-bits, so the last counter is 0xFFFF0000.

All functions are pure; keys are ``bytes``. Published vectors: payment-crypto.md §1.2.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, IntEnum

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from posdiag.crypto import pinblock
from posdiag.crypto.dukpt_registers import DukptRegisters
from posdiag.errors import BadInput
from posdiag.i18n import _

TEST_BDK_AES128 = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
"""The public X9.24-3:2017 supplement TEST BDK (AES-128). For simulators and test devices only."""

TEST_BDK_AES256 = TEST_BDK_AES128 * 2
"""The public AES-256 TEST BDK used by openemv's X9.24-3 tests. Test devices only."""

TEST_INITIAL_KEY_ID = bytes.fromhex("1234567890123456")
"""The initial key ID (BDK ID ‖ derivation ID) of the X9.24-3 TEST vectors."""

KSN_LENGTH = 12
COUNTER_BITS = 32
COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_ONE_BITS = 16
MAX_COUNTER = 0xFFFF0000
"""The last counter with at most 16 one-bits; the device is exhausted after it."""


class KeyUsage(IntEnum):
    """Key usage indicators of the derivation data (X9.24-3 Table 2)."""

    KEY_ENCRYPTION = 0x0002
    PIN_ENCRYPTION = 0x1000
    MAC_GENERATION = 0x2000
    MAC_VERIFICATION = 0x2001
    MAC_BOTH = 0x2002
    DATA_ENCRYPT = 0x3000
    DATA_DECRYPT = 0x3001
    DATA_BOTH = 0x3002
    KEY_DERIVATION = 0x8000
    KEY_DERIVATION_INITIAL = 0x8001


class KeyType(Enum):
    """Algorithm indicator, key length in bits and strength in bits of a derived key."""

    TDES2 = (0x0000, 128, 80)
    TDES3 = (0x0001, 192, 112)
    AES128 = (0x0002, 128, 128)
    AES192 = (0x0003, 192, 192)
    AES256 = (0x0004, 256, 256)
    HMAC128 = (0x0005, 128, 128)
    HMAC192 = (0x0005, 192, 192)
    HMAC256 = (0x0005, 256, 256)

    def __init__(self, algorithm: int, bits: int, strength: int) -> None:
        self.algorithm = algorithm
        self.bits = bits
        self.strength = strength

    @classmethod
    def aes_for(cls, key: bytes) -> KeyType:
        """The AES type of a derivation key, from its length."""
        by_length = {16: cls.AES128, 24: cls.AES192, 32: cls.AES256}
        if len(key) not in by_length:
            raise BadInput(
                _("An AES DUKPT key has 16, 24 or 32 bytes, not {key_length}; pass "
                  "an AES key.").format(key_length=len(key))
            )
        return by_length[len(key)]


# --- derivation ----------------------------------------------------------------------------


def derivation_data(usage: KeyUsage, key_type: KeyType, data: bytes, block: int = 1) -> bytes:
    """The 16-byte derivation data block DD of X9.24-3 6.3.2."""
    if len(data) != 8:
        raise BadInput(_("AES DUKPT derivation data carries exactly 8 bytes of key "
                         "ID and counter."))
    return (
        bytes([0x01, block])
        + usage.to_bytes(2, "big")
        + key_type.algorithm.to_bytes(2, "big")
        + key_type.bits.to_bytes(2, "big")
        + data
    )


def derive_key(derivation_key: bytes, usage: KeyUsage, key_type: KeyType, data: bytes) -> bytes:
    """One derivation step: AES-ECB of DD blocks under the derivation key, cut to length."""
    if key_type.strength > KeyType.aes_for(derivation_key).strength:
        raise BadInput(
            _("A {name} key is stronger than its {value}-bit derivation key; derive "
              "a weaker key type.").format(name=key_type.name, value=len(derivation_key) * 8)
        )
    encryptor = Cipher(algorithms.AES(derivation_key), modes.ECB()).encryptor()
    blocks = -(-key_type.bits // 128)
    stream = b"".join(
        encryptor.update(derivation_data(usage, key_type, data, block))
        for block in range(1, blocks + 1)
    )
    return stream[: key_type.bits // 8]


def _check_ksn(ksn: bytes) -> None:
    if len(ksn) != KSN_LENGTH:
        raise BadInput(_("An AES DUKPT KSN has 12 bytes, not {ksn_length}; pass the "
                         "full KSN.").format(ksn_length=len(ksn)))


def ksn_counter(ksn: bytes) -> int:
    """The 32-bit transaction counter at the right of a KSN."""
    _check_ksn(ksn)
    return int.from_bytes(ksn[8:], "big")


def ksn_with_counter(initial_key_id: bytes, counter: int) -> bytes:
    """The 12-byte KSN: initial key ID ‖ counter."""
    if len(initial_key_id) != 8:
        raise BadInput(_("An AES DUKPT initial key ID has 8 bytes (BDK ID ‖ derivation ID)."))
    if not 0 <= counter <= COUNTER_MASK:
        raise BadInput(_("An AES DUKPT counter fits in 32 bits; {counter:#x} does "
                         "not.").format(counter=counter))
    return initial_key_id + counter.to_bytes(4, "big")


def is_valid_counter(counter: int) -> bool:
    """True for a counter a device may use: 1..0xFFFF0000 with at most 16 one-bits."""
    return 0 < counter <= COUNTER_MASK and counter.bit_count() <= MAX_ONE_BITS


def next_valid_counter(counter: int) -> int | None:
    """The smallest usable counter above ``counter``, or None once the device is exhausted."""
    nxt = counter + 1
    while nxt.bit_count() > MAX_ONE_BITS:
        nxt += nxt & -nxt
    return nxt if nxt <= COUNTER_MASK else None


def _counter_data(initial_key_id: bytes, counter: int) -> bytes:
    return initial_key_id[4:8] + counter.to_bytes(4, "big")


def derive_initial_key(bdk: bytes, initial_key_id: bytes) -> bytes:
    """The device's initial key (IK) from the BDK and its 8-byte initial key ID."""
    if len(initial_key_id) != 8:
        raise BadInput(_("An AES DUKPT initial key ID has 8 bytes (BDK ID ‖ derivation ID)."))
    key_type = KeyType.aes_for(bdk)
    return derive_key(bdk, KeyUsage.KEY_DERIVATION_INITIAL, key_type, initial_key_id)


def transaction_key_from_initial_key(initial_key: bytes, ksn: bytes) -> bytes:
    """The transaction (intermediate derivation) key for ``ksn``, from the device's IK."""
    counter = ksn_counter(ksn)
    if counter.bit_count() > MAX_ONE_BITS:
        raise BadInput(
            _("KSN counter {counter:#x} has more than 16 one-bits, which no DUKPT "
              "device uses; check the KSN.").format(counter=counter)
        )
    key_type = KeyType.aes_for(initial_key)
    key, working = initial_key, 0
    bit = 1 << (COUNTER_BITS - 1)
    while bit:
        if counter & bit:
            working |= bit
            key = derive_key(key, KeyUsage.KEY_DERIVATION, key_type, _counter_data(ksn, working))
        bit >>= 1
    return key


def derive_transaction_key(bdk: bytes, ksn: bytes) -> bytes:
    """Host side: the transaction key for any KSN, from the BDK."""
    _check_ksn(ksn)
    return transaction_key_from_initial_key(derive_initial_key(bdk, ksn[:8]), ksn)


def derive_working_key(
    transaction_key: bytes, ksn: bytes, usage: KeyUsage, key_type: KeyType
) -> bytes:
    """A PIN, MAC or data key for this transaction (never stronger than the transaction key)."""
    _check_ksn(ksn)
    return derive_key(transaction_key, usage, key_type, _counter_data(ksn, ksn_counter(ksn)))


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC (16 bytes), the MAC the X9.24-3 test data computes with the MAC keys."""
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


# --- device side ---------------------------------------------------------------------------


class DukptAesDevice(DukptRegisters):
    """The device's AES DUKPT state: 32 intermediate derivation key registers and the counter.

    Register ``i`` (0-based) belongs to counter bit ``1 << i``, as in X9.24-3's reference
    code. The initial key is used once at load time and not kept.
    """

    COUNTER_BITS = COUNTER_BITS
    MAX_ONE_BITS = MAX_ONE_BITS
    MAX_COUNTER = MAX_COUNTER
    NAME = "AES"

    def __init__(self, initial_key: bytes, initial_key_id: bytes) -> None:
        """Load_Initial_Key: fill all 32 registers from the IK; counter 1 is next."""
        self._key_type = KeyType.aes_for(initial_key)
        self._ksn = ksn_with_counter(initial_key_id, 0)
        self._load(initial_key)

    @classmethod
    def at_counter(cls, initial_key: bytes, initial_key_id: bytes, counter: int) -> DukptAesDevice:
        """A device as it stands just before using ``counter`` (simulator and test seam).

        The registers are computed with the host derivation instead of running every earlier
        transaction, so tests can start near the end of the counter range.
        """
        device = cls.__new__(cls)
        device._key_type = KeyType.aes_for(initial_key)
        device._ksn = ksn_with_counter(initial_key_id, 0)
        return device._preload(counter, lambda target: transaction_key_from_initial_key(
            initial_key, ksn_with_counter(initial_key_id, target)))

    def _index(self, bit: int) -> int:
        return bit.bit_length() - 1

    def _derive(self, key: bytes, counter: int) -> bytes:
        """Update_Derivation_Keys: the derivation data names the counter with its new bit."""
        data = _counter_data(self._ksn, counter)
        return derive_key(key, KeyUsage.KEY_DERIVATION, self._key_type, data)

    def _ksn_for(self, counter: int) -> bytes:
        return ksn_with_counter(self._ksn[:8], counter)

    @staticmethod
    def _is_valid_counter(counter: int) -> bool:
        return is_valid_counter(counter)

    def encrypt_pin(
        self,
        pin: str,
        pan: str,
        rng: Callable[[int], bytes] | None = None,
    ) -> tuple[bytes, bytes]:
        """ISO 9564 format 4 PIN block under the next AES-128 PIN key: (KSN, encrypted block)."""
        ksn, key = self.next_transaction_key()
        pin_key = derive_working_key(key, ksn, KeyUsage.PIN_ENCRYPTION, KeyType.AES128)
        return ksn, pinblock.encipher_format4(pin, pan, pin_key, rng)
