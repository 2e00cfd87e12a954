"""Named values and bit fields of TLV tags (PA00P015 rev 13.08 §9.4), for tlv_tags.py."""

from __future__ import annotations

from collections.abc import Sequence

from posdiag.drivers.zvt.values import Bits
from posdiag.i18n import N_

FILE_IDS = {1: N_("merchant journal"), 2: N_("application log"), 3: N_("ECR protocol log"),
             4: N_("communication module log"), 5: N_("PIN pad log"),
             6: N_("reconciliation data")}  # fmt: skip
DIAGNOSIS = {1: N_("line diagnosis"), 2: N_("extended diagnosis"),
              3: N_("configuration diagnosis"), 4: N_("EMV configuration diagnosis"),
              5: N_("EP2 configuration")}  # fmt: skip
RECEIPT_ID = {1: N_("last receipt"), 2: N_("payment receipt, merchant"),
               3: N_("payment receipt, customer"), 4: N_("end-of-day receipt"),
               5: N_("journal"), 6: N_("reconciliation")}  # fmt: skip
RESERVATION = {1: N_("pre-authorisation (deprecated)"), 2: N_("reservation"),
                3: N_("extension of reservation"), 4: N_("book total (deprecated)"),
                5: N_("booking of reservation (deprecated)"),
                6: N_("telephonic reservation"),
                7: N_("telephonic extension of reservation")}  # fmt: skip
RECEIPT_TYPE = {1: N_("merchant receipt"), 2: N_("customer receipt"),
                 3: N_("administration receipt")}  # fmt: skip
CVM = {0: N_("no cardholder authentication"), 1: N_("signature"), 2: N_("online PIN"),
        3: N_("offline encrypted PIN"), 4: N_("offline plaintext PIN"),
        5: N_("offline encrypted PIN + signature"),
        6: N_("offline plaintext PIN + signature"), 7: N_("online PIN + signature"),
        0xFF: N_("unknown cardholder verification")}  # fmt: skip
ONLINE = {0: N_("offline"), 1: N_("online")}
TECHNOLOGY = {0: N_("magnetic stripe"), 1: N_("chip"), 2: N_("contactless (NFC)")}
FUNCTION_REQUEST = {0: N_("extended diagnosis"), 1: N_("reconciliation with closure"),
                     2: N_("configuration diagnosis"), 3: N_("OPT pre-initialisation"),
                     4: N_("EMV configuration diagnosis"),
                     5: N_("tax free transaction")}  # fmt: skip
CARD_NOTIFICATION = {0: N_("only function keys end the command"),
                      1: N_("card insertion ends the command too")}  # fmt: skip
ACCEPTANCE = {0: N_("accept"), 1: N_("deny")}
CURRENCY_INFO = {1: N_("base currency"), 2: N_("exchange rate"), 3: N_("foreign currency"),
                  4: N_("commission"), 5: N_("balance")}  # fmt: skip
EOD_MODE = {0: N_("normal end-of-day"), 1: N_("forced end-of-day"),
             2: N_("automatic end-of-day")}  # fmt: skip
NO_YES = {0: N_("no"), 1: N_("yes")}
INPUT_TYPE = {0: N_("magnetic stripe"), 1: N_("chip"), 2: N_("barcode")}
BARCODE = {0: "UPC-A", 1: "UPC-E", 2: "EAN 13", 3: "EAN 8", 4: "Code 39",
            5: N_("Interleaved 2/5 (ITF)"), 6: "Codabar", 7: "Code 128", 8: "EAN 128",
            9: N_("QR code, error correction L"), 10: N_("QR code, error correction M"),
            11: N_("QR code, error correction Q"),
            12: N_("QR code, error correction H")}  # fmt: skip
INPUT_MODE = {0: N_("string"), 1: N_("number"), 2: N_("amount")}
DEVICE_STATE = {0: N_("ready"), 1: N_("initialisation needed"), 2: N_("no keys loaded"),
                 3: N_("fraud")}  # fmt: skip
CARD_READ_ERROR = {1: N_("contactless level 1 transmission error"),
                    2: N_("contactless level 1 protocol error"),
                    3: N_("contactless level 1 timeout"),
                    4: N_("contactless collision detected"),
                    5: N_("command not allowed by whitelist check"),
                    0xFF: N_("unknown card reader error (see 1F16/1F17)")}  # fmt: skip
CARD_KIND = {0: "ISO 7816-4", 1: "MIFARE", 2: "FeliCa"}
CARD_SUBTYPE = {0x010344: "MIFARE DESFire"}
AGE_RESULT = {0: N_("minimum age not reached"), 1: N_("minimum age reached"),
               2: N_("card does not support age verification"),
               3: N_("terminal does not support age verification")}  # fmt: skip
E6_MODE = {0: N_("amount 0: card poll only, no payment")}
PARTIAL_APPROVAL = {0: N_("ECR cannot handle partial approval")}
CTLS_DETECTION = {0: N_("no extended card detection"), 1: N_("extended card detection on")}
SMID_IN_STATUS = {0: N_("no extended DUKPT information"), 1: N_("SMID sent in tag 1F32")}
START_ACTION = {1: N_("reboot was performed: perform the logon process")}
MENU_TYPE = {1: N_("request 1 from n")}
MENU_CONTEXT = {1: N_("other menu"), 2: N_("application selection"),
                 3: N_("language selection")}  # fmt: skip
MENU_TARGET = {1: N_("merchant display"), 2: N_("customer display")}
COLOUR = {0xFF0000: N_("red"), 0xFFFF00: N_("yellow"), 0x00FF00: N_("green")}
BONUS_TYPE = {0x474C: N_("card top-up"), 0x4D45: N_("collect bonus points"),
               0x4D53: N_("redeem bonus points"), 0x4D55: N_("enquire bonus points"),
               0x4D57: N_("credit bonus points")}  # fmt: skip

RECEIPT_PARAMETER_BITS: Sequence[Bits] = (
    ((0x80, N_("positive customer receipt")), (0x40, N_("negative customer receipt")),
     (0x20, N_("positive merchant receipt")), (0x10, N_("negative merchant receipt")),
     (0x08, N_("customer receipt before merchant receipt")), (0x04, N_("short receipt")),
     (0x02, N_("no product data (BMP 3C) on the receipt")),
     (0x01, N_("ECR as printer for this command"))),
    ((0x80, N_("tag E3 (barcode) allowed in 06 D3")),),
)  # fmt: skip
TRANSACTION_PARAMETER_BITS: Sequence[Bits] = (
    ((0x80, N_("send card data the PT cannot process")),
     (0x40, N_("activate swipe reader"))),
)  # fmt: skip
RECEIPT_INFORMATION_BITS: Sequence[Bits] = (
    ((0x01, N_("positive receipt")), (0x02, N_("with signature field")),
     (0x04, N_("negative receipt")), (0x80, N_("printing mandatory"))),
)  # fmt: skip
TRANSACTION_INFORMATION_BITS: Sequence[Bits] = (((0x01, N_("tippable transaction")),),)
TERMINAL_LOCKS_BITS: Sequence[Bits] = (
    ((0x80, N_("reconciliation with closure lock")), (0x40, N_("initialisation lock")),
     (0x20, N_("diagnosis lock")), (0x10, N_("service lock")), (0x08, N_("out of order")),
     (0x04, N_("printer lock")), (0x02, N_("terminal start-up needed")),
     (0x01, N_("secure module changed"))),
    ((0x80, N_("transaction log defective")), (0x40, N_("card reader not found")),
     (0x20, N_("card still inserted")), (0x10, N_("secure link not ready")),
     (0x08, N_("activation needed")), (0x04, N_("low battery power")),
     (0x02, N_("contactless reader not initialised")), (0x01, N_("MDB not ready"))),
)  # fmt: skip
CARD_TECHNOLOGIES_BITS: Sequence[Bits] = (
    ((0x01, N_("magnetic stripe")), (0x02, N_("chip")), (0x04, N_("contactless"))),
)  # fmt: skip
PROCESSING_SELECTION_BITS: Sequence[Bits] = (
    ((0x01, N_("read data")), (0x02, N_("write data")), (0x04, N_("redeem data")),
     (0x08, N_("delete data"))),
)  # fmt: skip
EMV_CONFIG_BITS: Sequence[Bits] = (
    ((0x80, N_("send tag 42")), (0x40, N_("send tag 44")), (0x20, N_("send tag 46")),
     (0x10, N_("send tag 47")), (0x08, N_("send tag 64")), (0x04, N_("send tag 65")),
     (0x02, N_("send tag 66")), (0x01, N_("send tag 67"))),
    ((0x80, N_("send tag 4A")),),
)  # fmt: skip
CC_CONTROL_BITS: Sequence[Bits] = (
    ((0x01, N_("power-save mode (XENOA only)")), (0x02, N_("send the card's BIN in tag D1")),
     (0x04, N_("use the data of the previous Read Card")),
     (0x08, N_("card sequence number in BMP 17")), (0x10, N_("send a token in tag 1F61"))),
)  # fmt: skip
CC_NETWORK_BITS: Sequence[Bits] = (
    ((0x01, N_("bandwidth not sufficient: suppress software download")),),
)
