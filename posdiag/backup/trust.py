"""The office's register of kit keys: which field kits' signatures a set may carry.

A backup set proves which kit key signed it, not that the kit is one of yours: anyone
can make a key and sign a set. The register closes that gap. It is a text file, one
kit per line: the minisign public key (as ``posdiag backup`` prints it on first use
and ``verify`` shows it), then optionally a name for the kit::

    # kits of the Berlin office
    RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3  kit-berlin-01
    RWSAmvkxCkD1LEwLMbB5lwz3NGCRwqpnAeHXvddiKEiv4ffZnnG0QQO6  laptop of A. Technician

Blank lines and ``#`` comments are ignored, and so are minisign's ``untrusted comment:``
lines, so a minisign ``.pub`` file is a register of one.
"""

from __future__ import annotations

from pathlib import Path

from posdiag.backup.signature import parse_public_key
from posdiag.errors import BadInput, VerificationError
from posdiag.i18n import _

REGISTER_CAP = 1 << 20


def load_kit_keys(path: Path) -> dict[str, str]:
    """key -> label (the key itself when the line names no kit); BadInput if malformed."""
    try:
        with path.open("rb") as file:
            data = file.read(REGISTER_CAP + 1)
    except OSError as err:
        raise BadInput(_("The kit-key register {path} cannot be read ({why}).").format(
            path=path, why=err.strerror or err)) from err
    if len(data) > REGISTER_CAP:
        raise BadInput(_("The kit-key register {path} is larger than 1 MiB; it is not a list of "
                         "kit keys.").format(path=path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadInput(_("The kit-key register {path} is not UTF-8 text.").format(
            path=path)) from err
    keys: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("untrusted comment:"):
            continue
        key, *rest = line.split(None, 1)
        label = rest[0] if rest else ""
        try:
            parse_public_key(key)
        except VerificationError as err:
            raise BadInput(_("{path} line {line}: {why}").format(path=path, line=number,
                                                                 why=err)) from err
        keys[key] = label.strip() or key
    if not keys:
        raise BadInput(_("The kit-key register {path} holds no kit key.").format(path=path))
    return keys
