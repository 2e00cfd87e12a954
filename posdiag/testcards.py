"""Test-card profiles for the emulators and acceptance tests (testplans/cards.toml).

Each profile names a public test card: PAN, expiry, service code, cardholder name, PIN and the
ZVT card-type id. Tracks 1 and 2 are built from those fields at load time by posdiag.tracks,
so sentinels and LRC are always right. Only profiles labelled ``test = true`` load.

A ``TestCard`` shows only its masked PAN in ``repr``: the full PAN, PIN and tracks are there
for the emulators, and must never be logged.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from posdiag.cards import luhn_valid, mask_pan
from posdiag.errors import PlanError, UsageError
from posdiag.i18n import _
from posdiag.tracks import Track1, Track2, TrackError

_FIELDS = {
    "test": bool,
    "scheme": str,
    "description": str,
    "pan": str,
    "expiry": str,
    "service_code": str,
    "cardholder": str,
    "pin": str,
    "zvt_card_type": int,
    "track1_discretionary": str,
    "track2_discretionary": str,
    "source": str,
}


@dataclass(frozen=True, repr=False)
class TestCard:
    """One public test card and its magnetic-stripe tracks."""

    __test__ = False  # not a pytest test class, despite the name

    key: str
    scheme: str
    description: str
    pan: str
    expiry_yymm: str
    service_code: str
    cardholder_name: str
    pin: str
    zvt_card_type: int
    track1: Track1
    track2: Track2
    source: str = ""

    @property
    def masked_pan(self) -> str:
        return mask_pan(self.pan)

    def is_expired(self, today: date) -> bool:
        """True once the expiry month (YYMM, read as 20YY) has ended by ``today``."""
        year, month = 2000 + int(self.expiry_yymm[:2]), int(self.expiry_yymm[2:])
        return (today.year, today.month) > (year, month)

    def __repr__(self) -> str:
        return (
            f"TestCard(key={self.key!r}, scheme={self.scheme!r}, pan={self.masked_pan!r}, "
            f"zvt_card_type=0x{self.zvt_card_type:02X})"
        )


def default_cards_path() -> Path:
    """The shipped testplans/cards.toml (installed as posdiag.testplans)."""
    from posdiag.testplans import shipped_path

    path = shipped_path("cards.toml")
    if not path.is_file():
        raise UsageError(_("The test-card file {path} is missing; pass the path to a "
                           "cards.toml.").format(path=path))
    return path


def _profile(key: str, raw: Any, path: Path) -> TestCard:
    where = f"test card {key!r} in {path}"
    if not isinstance(raw, dict):
        raise PlanError(_("The {where} must be a table of fields.").format(where=where))
    unknown = sorted(set(raw) - set(_FIELDS))
    missing = sorted(set(_FIELDS) - set(raw) - {"source"})
    if unknown or missing:
        raise PlanError(
            _("The {where} has unknown fields {unknown} or misses {missing}; fix the "
              "profile.").format(where=where, unknown=unknown, missing=missing)
        )
    for name, kind in _FIELDS.items():
        if name in raw and type(raw[name]) is not kind:
            raise PlanError(_("The {where} needs {name} as {name2}; fix the profile.").format(
                                where=where, name=name, name2=kind.__name__))
    if raw["test"] is not True:
        raise PlanError(_("The {where} is not labelled test = true; only test cards "
                          "may load.").format(where=where))
    if not luhn_valid(raw["pan"]):
        raise PlanError(_("The {where} has a PAN that fails the Luhn check; fix the "
                          "profile.").format(where=where))
    pin = raw["pin"]
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise PlanError(_("The {where} needs a PIN of 4 to 12 digits.").format(where=where))
    if not 0 <= raw["zvt_card_type"] <= 0xFF:
        raise PlanError(_("The {where} needs a one-byte zvt_card_type (0x00-0xFF).").format(
                            where=where))
    try:
        track1 = Track1(
            raw["pan"], raw["cardholder"], raw["expiry"], raw["service_code"],
            raw["track1_discretionary"],
        )
        track2 = Track2(raw["pan"], raw["expiry"], raw["service_code"], raw["track2_discretionary"])
    except TrackError as err:
        raise PlanError(_("The {where} does not make valid tracks: {err}").format(
                            where=where, err=err)) from err
    return TestCard(
        key=key,
        scheme=raw["scheme"],
        description=raw["description"],
        pan=raw["pan"],
        expiry_yymm=raw["expiry"],
        service_code=raw["service_code"],
        cardholder_name=raw["cardholder"],
        pin=pin,
        zvt_card_type=raw["zvt_card_type"],
        track1=track1,
        track2=track2,
        source=raw.get("source", ""),
    )


def load_test_cards(path: Path | str | None = None) -> dict[str, TestCard]:
    """All profiles of a cards.toml (default: :func:`default_cards_path`), by profile key."""
    toml_path = Path(path) if path is not None else default_cards_path()
    try:
        document = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(_("Cannot read the test-card file {toml_path}: {strerror}.").format(
                             toml_path=toml_path, strerror=err.strerror)) from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PlanError(_("The test-card file {toml_path} is not valid TOML: {err}.").format(
                            toml_path=toml_path, err=err)) from err
    cards = document.get("cards")
    if not isinstance(cards, dict) or not cards:
        raise PlanError(_("The test-card file {toml_path} has no [cards.NAME] "
                          "profiles.").format(toml_path=toml_path))
    return {key: _profile(key, raw, toml_path) for key, raw in cards.items()}
