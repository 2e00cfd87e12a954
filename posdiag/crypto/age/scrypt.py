"""The native scrypt (passphrase) recipient type: ``-> scrypt <salt> <logN>``.

wrap key = scrypt(N = 2**logN, r = 8, p = 1, dkLen = 32,
                  salt = "age-encryption.org/v1/scrypt" || salt16, passphrase)
An scrypt stanza must be the only stanza of a file (checked by the decryptor).
Memory is 128 * r * N bytes = 2**(logN + 10): logN 16 needs 64 MiB.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from posdiag.crypto.age import b64
from posdiag.crypto.age.errors import HeaderError
from posdiag.crypto.age.header import Stanza
from posdiag.crypto.age.wrap import open_file_key, seal_file_key
from posdiag.errors import BadInput, DecryptionError
from posdiag.i18n import _

STANZA_TYPE = "scrypt"
LABEL = b"age-encryption.org/v1/scrypt"
SALT_SIZE = 16
# 64 MiB and well under a second on a laptop; fits a 512 MB Pi Zero (docs/age.md).
DEFAULT_WORK_FACTOR = 16
# The age tool's decryption cap (FiloSottile/age scrypt.go): 2**22 needs 4 GiB.
MAX_WORK_FACTOR = 22
_LOG_N = re.compile(r"[1-9][0-9]{0,1}")


def _derive(passphrase: bytes, salt: bytes, log_n: int) -> bytes:
    kdf = Scrypt(salt=LABEL + salt, length=32, n=1 << log_n, r=8, p=1)
    try:
        return kdf.derive(passphrase)
    except MemoryError as err:
        raise DecryptionError(
            _("scrypt with work factor {log_n} needs {value} MiB, more than this "
              "machine can give; decrypt on a machine with more memory.").format(
                log_n=log_n, value=2 ** (log_n - 10))
        ) from err


@dataclass(frozen=True, slots=True)
class ScryptRecipient:
    passphrase: bytes = field(repr=False)
    work_factor: int = DEFAULT_WORK_FACTOR

    def __post_init__(self) -> None:
        if not self.passphrase:
            raise BadInput(_("The passphrase is empty; give a non-empty passphrase."))
        if not 1 <= self.work_factor <= MAX_WORK_FACTOR:
            raise BadInput(_("The scrypt work factor must be 1..{max_work_factor} "
                             "(log2 N).").format(max_work_factor=MAX_WORK_FACTOR))

    def wrap(self, file_key: bytes) -> list[Stanza]:
        return [self._wrap_with(file_key, os.urandom(SALT_SIZE))]

    def _wrap_with(self, file_key: bytes, salt: bytes) -> Stanza:
        wrap_key = _derive(self.passphrase, salt, self.work_factor)
        args = (b64.encode(salt), str(self.work_factor))
        return Stanza(STANZA_TYPE, args, seal_file_key(wrap_key, file_key))


@dataclass(frozen=True, slots=True)
class ScryptIdentity:
    passphrase: bytes = field(repr=False)
    max_work_factor: int = MAX_WORK_FACTOR

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 2:
                raise HeaderError(_("An scrypt stanza has the wrong number of arguments."))
            salt = b64.decode(stanza.args[0])
            if len(salt) != SALT_SIZE:
                raise HeaderError(_("An scrypt stanza holds a salt of the wrong length."))
            if not _LOG_N.fullmatch(stanza.args[1]):
                raise HeaderError(_("An scrypt stanza holds a malformed work factor."))
            log_n = int(stanza.args[1])
            if log_n > self.max_work_factor:
                raise HeaderError(
                    _("The file's scrypt work factor {log_n} exceeds the limit of "
                      "{max_work_factor}; refusing a possibly hostile file.").format(
                        log_n=log_n, max_work_factor=self.max_work_factor)
                )
            if len(stanza.body) != 32:
                raise HeaderError(_("The scrypt stanza body has the wrong size; the "
                                    "file is damaged."))
            file_key = open_file_key(_derive(self.passphrase, salt, log_n), stanza.body, "scrypt")
            if file_key is not None:
                return file_key
        return None
