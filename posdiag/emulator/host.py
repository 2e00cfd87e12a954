"""The acquirer host inside the emulator: decrypts the PIN block, checks card and amount.

It knows the PUBLIC TEST BDKs (pinpad.py) and nothing else, so it can only authorise test
cards. Its rules are fixed and documented in docs/emulator.md, so CI can ask for each outcome:

  card expired (expiry month over)          78  card expired
  PIN block does not hold the card's PIN    37  PIN incorrect (55 decimal)
  amount ending in 51 cents                 05  declined
  otherwise                                 00  approved, with a 6-digit authorisation code

The checks run in that order. The clear PIN exists only inside ``_pin_matches``.
"""

from __future__ import annotations

import hmac
import random
import threading
from dataclasses import dataclass
from datetime import date

from posdiag.crypto.dukpt_host import ENGINE_AES, open_pin_block
from posdiag.emulator.pinpad import TEST_BDK_AES, TEST_BDK_TDES, EncryptedPin
from posdiag.errors import DecryptionError
from posdiag.i18n import _
from posdiag.testcards import TestCard

RC_APPROVED = 0x00
RC_DECLINED = 0x05
RC_PIN_INCORRECT = 0x37  # 55 decimal, "PIN incorrect" (PA00P015 §2.2.6)
RC_CARD_EXPIRED = 0x78
DECLINED_CENTS = 51  # amounts ending in these cents are declined (a test rule)


@dataclass(frozen=True, slots=True)
class HostAnswer:
    result_code: int
    auth_code: str | None = None  # BMP 3B, only when approved

    @property
    def approved(self) -> bool:
        return self.result_code == RC_APPROVED


def recover_pin(encrypted: EncryptedPin, pan: str | None,
                bdk_tdes: bytes = TEST_BDK_TDES, bdk_aes: bytes = TEST_BDK_AES) -> str:
    """Host-side DUKPT: derive the KSN's PIN key from the BDK and open the block.

    Raises DecryptionError if the block does not open to a PIN (wrong key or PAN).
    """
    bdk = bdk_aes if encrypted.engine == ENGINE_AES else bdk_tdes
    try:
        pin, _format = open_pin_block(encrypted.block, encrypted.ksn, pan,
                                      engine=encrypted.engine, bdk=bdk)
    except DecryptionError as err:
        raise DecryptionError(
            _("The PIN block did not decrypt to a PIN; the PIN pad and host keys differ.")
        ) from err
    return pin


class Host:
    """Authorises test cards by the fixed rules above."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(f"host:{seed}")
        self._lock = threading.Lock()
        self.requests = 0

    def authorise(self, card: TestCard, amount: int, encrypted_pin: EncryptedPin | None,
                  today: date) -> HostAnswer:
        """A payment or refund request; encrypted_pin None means no PIN was asked for."""
        with self._lock:
            self.requests += 1
        if card.is_expired(today):
            return HostAnswer(RC_CARD_EXPIRED)
        if encrypted_pin is not None and not _pin_matches(encrypted_pin, card):
            return HostAnswer(RC_PIN_INCORRECT)
        if amount % 100 == DECLINED_CENTS:
            return HostAnswer(RC_DECLINED)
        with self._lock:
            code = f"{self._rng.randint(0, 999999):06d}"
        return HostAnswer(RC_APPROVED, code)


def _pin_matches(encrypted: EncryptedPin, card: TestCard) -> bool:
    try:
        pin = recover_pin(encrypted, card.pan)
    except DecryptionError:
        return False
    return hmac.compare_digest(pin.encode(), card.pin.encode())
