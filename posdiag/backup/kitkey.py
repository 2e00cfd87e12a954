"""The kit signing key: an Ed25519 key that signs every manifest generation this machine writes.

It proves which kit wrote a backup (age alone cannot: anyone holding the
recipient can make a valid age file). It cannot decrypt anything. Created on
first use, mode 0600, in the posdiag configuration folder:

    explicit parameter > $POSDIAG_CONFIG_DIR > $XDG_CONFIG_HOME/posdiag > ~/.config/posdiag
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.manifest import public_key_string, raw_public_key
from posdiag.errors import UsageError
from posdiag.i18n import _

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KIT_KEY_FILE = "kit-signing-key.pem"


@dataclass(frozen=True)
class KitKey:
    private_key: Ed25519PrivateKey
    path: Path
    created: bool  # True when this call made the key

    @property
    def public_key(self) -> str:
        """minisign public key string, as written into manifests."""
        return public_key_string(raw_public_key(self.private_key))


def config_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if explicit is not None:
        return Path(explicit)
    if env.get("POSDIAG_CONFIG_DIR"):
        return Path(env["POSDIAG_CONFIG_DIR"])
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "posdiag"
    return Path(env.get("HOME") or Path.home()) / ".config" / "posdiag"


def load_or_create_kit_key(directory: Path | None = None) -> KitKey:
    """The kit key from the configuration folder, made (0600) if there is none yet."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey as PrivateKey,
    )

    path = config_dir(directory) / KIT_KEY_FILE
    created = False
    if not path.exists():
        key = PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_EXCL: two first runs at once must not overwrite each other's key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        except OSError as err:
            raise UsageError(_("Cannot create the kit signing key at {path} "
                               "({strerror}); set POSDIAG_CONFIG_DIR to a writable "
                               "folder.").format(path=path, strerror=err.strerror)) from err
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
            created = True
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(_("The kit signing key {path} is readable by other "
                               "users; run 'chmod 600 {path}' and retry.").format(path=path))
        key_loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as err:
        raise UsageError(_("Cannot read the kit signing key {path} ({strerror}); "
                           "check its permissions.").format(
                             path=path, strerror=err.strerror)) from err
    except ValueError as err:
        raise UsageError(_("The kit signing key {path} is damaged; move it away to "
                           "make a new one (manifests it signed stay checkable by "
                           "their kit_key).").format(path=path)) from err
    if not isinstance(key_loaded, PrivateKey):
        raise UsageError(_("The kit signing key {path} is not an Ed25519 key; move "
                           "it away to make a new one.").format(path=path))
    return KitKey(key_loaded, path, created)
