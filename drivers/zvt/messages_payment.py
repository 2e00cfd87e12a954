"""Payment-family commands of the ECR besides those in messages_ecr.py (PA00P015 §2).

Layouts ("pw" = 3-byte BCD password; all BMPs optional unless marked, in any order):
  06 03 Account Balance Request   BMPs (22 0E 2D 23 24 06)               §2.3
  06 04 Activate Card             BMPs (04 49 2D 0E 22 23 24 3A 06)       §2.4
  06 05 Procurement               BMPs as 06 01                           §2.5
  06 09 Prepaid Top-Up            card-ID(2 BCD) mode(1) 04 [49 19 3D 2D 23 24 8A 06]  §2.58
  06 0A Tax Free                  [04]                                    §2.42
  06 0C Book Tip                  04 87 [49 19 2D 0E 22 23 24 3B 06]      §2.6
  06 21 Telephonic Authorisation  pw 04 [49 19 2D 0E 22 23 24 01 02 05 3C 3B 3A 8A 06]  §2.7
  06 22 Pre-Authorisation         BMPs as 06 01 + 0B 3B                   §2.8
  06 23 Partial Reversal          [87 04 49 3C 0B 3B 06]; 87 FFFF = enquiry  §2.10
  06 24 Book Total                87 [04 49 19 3C 0B 3B 8A 06]            §2.13
  06 25 Pre-Auth Reversal         87 [04 49 19 06]                        §2.14
  06 26 Reversal of external TA   04 49 0B 3B [0E 22 23] 06               §2.11
  06 51 Send Offline Transactions pw                                      §2.47
  06 C5 Close Card Session        -                                       §2.64
  06 C6 Send APDUs                06 (1F46 ...)                           §2.63
  06 E5 MAC Calculation           [D3] 06 (1F32 1F33 1F77)                §2.62
  06 E6 Card Poll with Authorisation  BMPs as 06 01 (+ TLV 1F5B 1F6D)    §2.65
  08 50 Activate Card Reader      [FA]                                    §2.22
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt.bmp import Bmp, encode_bmps
from posdiag.drivers.zvt.messages_base import (
    BmpCommand,
    FieldView,
    Message,
    PasswordCommand,
    parse_bmps,
)
from posdiag.drivers.zvt.values import TOP_UP_MODE, enum_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class AccountBalanceRequest(BmpCommand):
    COMMAND = (0x06, 0x03)
    NAME = "Account Balance Request"


@dataclass(frozen=True)
class ActivateCard(BmpCommand):
    COMMAND = (0x06, 0x04)
    NAME = "Activate Card"


@dataclass(frozen=True)
class Procurement(BmpCommand):
    COMMAND = (0x06, 0x05)
    NAME = "Procurement"


@dataclass(frozen=True)
class TaxFree(BmpCommand):
    COMMAND = (0x06, 0x0A)
    NAME = "Tax Free"


@dataclass(frozen=True)
class BookTip(BmpCommand):
    COMMAND = (0x06, 0x0C)
    NAME = "Book Tip"


@dataclass(frozen=True)
class TelephonicAuthorisation(PasswordCommand):
    COMMAND = (0x06, 0x21)
    NAME = "Telephonic Authorisation"


@dataclass(frozen=True)
class PreAuthorisation(BmpCommand):
    COMMAND = (0x06, 0x22)
    NAME = "Pre-Authorisation / Reservation"


@dataclass(frozen=True)
class PartialReversal(BmpCommand):
    """06 23: also "enquire if pre-authorisations exist" when it is exactly 87 FF FF."""

    COMMAND = (0x06, 0x23)
    NAME = "Partial Reversal of Pre-Authorisation / Booking of Reservation"

    @property
    def is_enquiry(self) -> bool:
        return len(self.bmps) == 1 and self.bmps[0].id == 0x87 and self.bmps[0].raw == b"\xff\xff"

    @property
    def display_name(self) -> str:
        return "Enquire if Pre-Authorisations exist" if self.is_enquiry else self.NAME


@dataclass(frozen=True)
class BookTotal(BmpCommand):
    COMMAND = (0x06, 0x24)
    NAME = "Book Total"


@dataclass(frozen=True)
class PreAuthorisationReversal(BmpCommand):
    COMMAND = (0x06, 0x25)
    NAME = "Pre-Authorisation Reversal"


@dataclass(frozen=True)
class ExternalReversal(BmpCommand):
    COMMAND = (0x06, 0x26)
    NAME = "Reversal of External Transaction (Reservation)"


@dataclass(frozen=True)
class SendOfflineTransactions(PasswordCommand):
    COMMAND = (0x06, 0x51)
    NAME = "Send Offline Transactions"


@dataclass(frozen=True)
class CloseCardSession(BmpCommand):
    COMMAND = (0x06, 0xC5)
    NAME = "Close Card Session"


@dataclass(frozen=True)
class SendApdus(BmpCommand):
    COMMAND = (0x06, 0xC6)
    NAME = "Send APDUs"


@dataclass(frozen=True)
class MacCalculation(BmpCommand):
    COMMAND = (0x06, 0xE5)
    NAME = "MAC Calculation"


@dataclass(frozen=True)
class CardPollAuthorisation(BmpCommand):
    COMMAND = (0x06, 0xE6)
    NAME = "Card Poll with Authorisation"


@dataclass(frozen=True)
class ActivateCardReader(BmpCommand):
    COMMAND = (0x08, 0x50)
    NAME = "Activate Card Reader"


@dataclass(frozen=True)
class PrepaidTopUp(Message):
    """06 09 (§2.58): prepaid card ID and payment mode are positional, then BMPs."""

    COMMAND = (0x06, 0x09)
    NAME = "Prepaid Top-Up"

    card_id: int = 0  # network operator's card type ID of the prepaid card, 2-byte BCD
    payment_mode: int = 0x01
    bmps: tuple[Bmp, ...] = ()

    def data(self) -> bytes:
        return bcd.int_to_bcd(self.card_id, 2) + bytes((self.payment_mode,)) + encode_bmps(
            self.bmps
        )

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) < 3:
            raise ProtocolError(_("Prepaid Top-Up: card ID (2 BCD bytes) and payment "
                                  "mode expected"))
        return cls(bcd.bcd_to_int(data[:2]), data[2], parse_bmps(data[3:]),
                   long_length=long_length)  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [FieldView(None, "prepaid card ID", f"{self.card_id:04d}"),
                FieldView(None, "payment mode", enum_text(self.payment_mode, TOP_UP_MODE))]


PAYMENT_MESSAGES: tuple[type[Message], ...] = (
    AccountBalanceRequest, ActivateCard, Procurement, TaxFree, BookTip, TelephonicAuthorisation,
    PreAuthorisation, PartialReversal, BookTotal, PreAuthorisationReversal, ExternalReversal,
    SendOfflineTransactions, CloseCardSession, SendApdus, MacCalculation, CardPollAuthorisation,
    ActivateCardReader, PrepaidTopUp,
)  # fmt: skip
