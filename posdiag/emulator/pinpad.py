"""The emulated terminal's PIN pad: ISO 9564 PIN blocks encrypted under DUKPT keys.

The pad is loaded, like a real one at a key-injection facility, with initial keys derived from
a base derivation key (BDK) and then forgets them; here the BDKs are the PUBLIC TEST keys of
ANSI X9.24-1 (TDES) and X9.24-3 (AES-128), so the emulator's host (host.py) and the ECR side
(drivers/zvt/payments.py) can decrypt what it sends. Never load a production key here.

Two DUKPT engines, chosen by the ZVT engine index (TLV 1F77 of 06 E7):
  0  TDES DUKPT, 10-byte KSN, PIN block format 0 (with PAN), 1 (without) or 3
  1  AES-128 DUKPT, 12-byte KSN, PIN block format 4 (needs the PAN)

Each PIN encryption uses the next counter; when a device has used its last counter the pad
reports "DUKPT engine exhausted" (ZVT result code 74) until a new key is loaded.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from posdiag.crypto import dukpt_aes, dukpt_tdes, pinblock
from posdiag.errors import BadInput, DeviceError, DukptExhausted
from posdiag.i18n import _

ENGINE_TDES = 0
ENGINE_AES = 1

TEST_BDK_TDES = dukpt_tdes.TEST_BDK_TDES  # PUBLIC TEST KEY (ANSI X9.24-1:2009 A.4)
TEST_IKSN_TDES = dukpt_tdes.TEST_IKSN_TDES
TEST_BDK_AES = dukpt_aes.TEST_BDK_AES128  # PUBLIC TEST KEY (X9.24-3:2017 supplement)
TEST_IK_ID_AES = dukpt_aes.TEST_INITIAL_KEY_ID

RC_DUKPT_EXHAUSTED = 0x74
RC_PIN_NOT_POSSIBLE = 0xEC
RC_PIN_ALGORITHM_UNKNOWN = 0xEB


@dataclass(frozen=True, slots=True)
class EncryptedPin:
    """What leaves the PIN pad: the KSN, the encrypted block and its ISO 9564 format."""

    ksn: bytes
    block: bytes = field(repr=False)  # a PIN block is a secret even encrypted: never shown
    pin_format: int = 0

    @property
    def engine(self) -> int:
        return ENGINE_AES if len(self.ksn) == dukpt_aes.KSN_LENGTH else ENGINE_TDES


class PinPadError(DeviceError):
    """The PIN pad cannot encrypt: ``result_code`` says why (74, EB or EC)."""

    def __init__(self, result_code: int, message: str) -> None:
        super().__init__(message)
        self.result_code = result_code


class PinPad:
    """DUKPT engines loaded from the TEST BDKs; a lock keeps one counter step at a time."""

    def __init__(
        self,
        *,
        tdes_counter: int | None = None,
        aes_counter: int | None = None,
        seed: int = 0,
        payment_format: int = 0,
    ) -> None:
        """tdes_counter/aes_counter start a device just before that counter (tests near
        exhaustion); payment_format is the PIN block format payments use (0, 1, 3 or 4)."""
        if payment_format not in (0, 1, 3, 4):
            raise BadInput(_("the PIN pad builds ISO 9564 formats 0, 1, 3 and 4 only."))
        ipek = dukpt_tdes.derive_ipek(TEST_BDK_TDES, TEST_IKSN_TDES)
        initial_key = dukpt_aes.derive_initial_key(TEST_BDK_AES, TEST_IK_ID_AES)
        if tdes_counter is None:
            self.tdes = dukpt_tdes.DukptTdesDevice(ipek, TEST_IKSN_TDES)
        else:
            self.tdes = dukpt_tdes.DukptTdesDevice.at_counter(ipek, TEST_IKSN_TDES, tdes_counter)
        if aes_counter is None:
            self.aes = dukpt_aes.DukptAesDevice(initial_key, TEST_IK_ID_AES)
        else:
            self.aes = dukpt_aes.DukptAesDevice.at_counter(initial_key, TEST_IK_ID_AES,
                                                           aes_counter)
        self.payment_format = payment_format
        self._rng = random.Random(f"pinpad:{seed}")  # fill digits; repeatable per seed
        self._lock = threading.Lock()

    def _random(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def encrypt(self, pin: str, pan: str | None, pin_format: int) -> EncryptedPin:
        """Build the clear block, encrypt it under the next DUKPT PIN key, forget the clear one."""
        with self._lock:
            try:
                if pin_format == 4:
                    if pan is None:
                        raise PinPadError(RC_PIN_NOT_POSSIBLE, "format 4 needs the card's PAN")
                    ksn, block = self.aes.encrypt_pin(pin, pan, self._random)
                    return EncryptedPin(ksn, block, 4)
                clear = self._clear_block(pin, pan, pin_format)
                ksn, block = self.tdes.encrypt_pin_block(clear)
                return EncryptedPin(ksn, block, pin_format)
            except DukptExhausted as err:
                raise PinPadError(RC_DUKPT_EXHAUSTED, str(err)) from err
            except BadInput as err:  # a PIN that is not 4-12 digits
                raise PinPadError(RC_PIN_NOT_POSSIBLE, str(err)) from err

    def _clear_block(self, pin: str, pan: str | None, pin_format: int) -> bytes:
        if pin_format == 1:
            return pinblock.build_format1(pin, self._random)
        if pan is None:
            raise PinPadError(RC_PIN_NOT_POSSIBLE, f"format {pin_format} needs the card's PAN")
        if pin_format == 0:
            return pinblock.build_format0(pin, pan)
        if pin_format == 3:
            return pinblock.build_format3(pin, pan, self._random)
        raise PinPadError(RC_PIN_ALGORITHM_UNKNOWN, f"PIN block format {pin_format} unknown")

    def encrypt_for_engine(self, pin: str, pan: str | None, engine: int) -> EncryptedPin:
        """06 E7: engine 0 uses format 0 with a PAN and format 1 without; engine 1 format 4."""
        if engine == ENGINE_TDES:
            return self.encrypt(pin, pan, 0 if pan else 1)
        if engine == ENGINE_AES:
            return self.encrypt(pin, pan, 4)
        raise PinPadError(RC_PIN_ALGORITHM_UNKNOWN, f"no DUKPT engine with index {engine}")

    def status(self) -> dict[str, object]:
        """Counters for the control socket (no keys)."""
        return {
            "tdes_counter": self.tdes.counter, "tdes_exhausted": self.tdes.exhausted,
            "aes_counter": self.aes.counter, "aes_exhausted": self.aes.exhausted,
            "payment_format": self.payment_format,
        }
