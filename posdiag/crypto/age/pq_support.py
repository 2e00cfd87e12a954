"""Whether the installed pyca/cryptography can do ML-KEM-768, which hybrid age keys need.

The ``mlkem`` module appeared in cryptography 47.0 for AWS-LC and BoringSSL builds;
48.0 added OpenSSL 3.5+, which is what the PyPI wheels are built with. Debian 12
ships 38, without it. posdiag still pins ``cryptography>=38`` so a Pi with only
Debian's package keeps classic (X25519) backups; hybrid keys then fail with
one sentence naming the version to install.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

from posdiag.crypto.age.errors import PostQuantumUnavailable
from posdiag.i18n import _

REQUIRED_VERSION = "48.0"


@cache
def _probe() -> ModuleType | None:
    try:
        from cryptography.hazmat.primitives.asymmetric import mlkem
    except ImportError:
        return None
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        # The module exists on builds whose library lacks ML-KEM; only using it tells.
        mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes(64))
    except UnsupportedAlgorithm:
        return None
    return mlkem


def post_quantum_available() -> bool:
    """True when ML-KEM-768 works here, so age1pq1… keys can be used."""
    return _probe() is not None


def mlkem_module() -> ModuleType:
    """pyca's ``mlkem`` module; PostQuantumUnavailable when this installation lacks it."""
    module = _probe()
    if module is None:
        import cryptography

        raise PostQuantumUnavailable(_(
            "Post-quantum age keys (age1pq1…, AGE-SECRET-KEY-PQ-1…) need ML-KEM from the "
            "Python package cryptography {required} or newer as published on PyPI, and the "
            "installed cryptography {installed} lacks it; run "
            "'pip install \"cryptography>={required}\"' or use a classic age1… key."
        ).format(required=REQUIRED_VERSION, installed=cryptography.__version__))
    return module
