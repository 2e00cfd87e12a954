"""The host side of DUKPT PIN encryption: from the base key and the KSN back to the PIN. Pure.

A PIN pad encrypts the ISO 9564 PIN block under a key only it and the host can derive:

    engine 0  TDES DUKPT (ANSI X9.24-1): PIN variant of the transaction key; block format 0
              (with PAN) or 1 (without)
    engine 1  AES DUKPT (ANSI X9.24-3): AES-128 PIN-encryption working key; block format 4,
              which always needs the PAN

The ZVT driver opens what a test terminal sends (06 E7) and the emulator's host opens what
its own PIN pad made; both use this one function. The clear PIN is returned to the caller
and kept nowhere here.
"""

from __future__ import annotations

from posdiag.crypto import dukpt_aes, dukpt_tdes, pinblock
from posdiag.errors import BadInput, DecryptionError, ProtocolError
from posdiag.i18n import _

ENGINE_TDES = 0
ENGINE_AES = 1


def open_pin_block(block: bytes, ksn: bytes, pan: str | None, *, engine: int,
                   bdk: bytes) -> tuple[str, int]:
    """(PIN, ISO 9564 format) of a DUKPT-encrypted PIN block.

    DecryptionError when it does not open to a PIN: another base key, another PAN, or not
    a PIN block at all."""
    try:
        if engine == ENGINE_AES:
            if pan is None:
                raise DecryptionError(_("A format 4 PIN block opens only with the PAN."))
            key = dukpt_aes.derive_transaction_key(bdk, ksn)
            pin_key = dukpt_aes.derive_working_key(key, ksn, dukpt_aes.KeyUsage.PIN_ENCRYPTION,
                                                   dukpt_aes.KeyType.AES128)
            return pinblock.decipher_format4(block, pan, pin_key), 4
        if engine != ENGINE_TDES:
            raise DecryptionError(_("DUKPT engine {engine} is not known (0 TDES, 1 "
                                    "AES).").format(engine=engine))
        key = dukpt_tdes.derive_transaction_key(bdk, ksn)
        clear = dukpt_tdes.decrypt_pin_block(dukpt_tdes.working_key(key, dukpt_tdes.Variant.PIN),
                                             block)
        return pinblock.parse_pin_block(clear, pan), clear[0] >> 4
    except (ProtocolError, BadInput) as err:
        raise DecryptionError(_("The PIN block did not open to a PIN with this base "
                                "key and PAN.")) from err
