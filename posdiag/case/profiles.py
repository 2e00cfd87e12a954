"""Profiles a technician keeps: one per merchant, one for the kit (or laptop) itself.

A merchant profile (``--merchant shop.toml``)::

    [merchant]
    name = "张记小吃店"
    number = "898310048990001"     # 商户号, as the terminal reports it
    address = "上海市徐汇区…"
    contact = "张先生"
    phone = "+86 21 5555 0101"

    [terminal]                     # optional: what the merchant's papers say
    manufacturer = "PAX"
    model = "A920"
    acquirer = "China UnionPay"
    purchased = 2025-03-01         # or installed = …: the warranty runs from it
    warranty-months = 12

    [manufacturer]                 # the request goes here while under warranty
    name = "…"                     # address, contact, phone, email as well
    [service-provider]             # … and here otherwise
    name = "…"
    repair-fee = true              # out of warranty the repair is charged (default true)

The kit profile (``profile.toml`` in the posdiag configuration folder, or ``--profile``) has
``[technician]`` (name, id), ``[warranty]`` (months), ``[manufacturer]``,
``[service-provider]`` and ``[cases]`` (root: where new cases go). The merchant's settings
win over the kit's. Unknown keys are errors naming the file, so a typo is not silently lost.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from posdiag.case.model import Merchant, Party, Technician
from posdiag.errors import PlanError, UsageError
from posdiag.i18n import _

KIT_PROFILE_NAME = "profile.toml"
PARTY_KEYS = ("name", "address", "contact", "phone", "email")


@dataclass(frozen=True, slots=True)
class Addressees:
    """Who receives requests, as configured (None: not configured here)."""

    manufacturer: Party | None = None
    service_provider: Party | None = None
    repair_fee: bool | None = None  # charged out of warranty? None: not said here


@dataclass(frozen=True, slots=True)
class MerchantProfile:
    path: str
    merchant: Merchant
    manufacturer: str = ""
    model: str = ""
    acquirer: str = ""
    purchased: date | None = None
    installed: date | None = None
    warranty_months: int | None = None
    addressees: Addressees = field(default_factory=Addressees)


@dataclass(frozen=True, slots=True)
class KitProfile:
    path: str
    technician: Technician = field(default_factory=Technician)
    warranty_months: int | None = None
    addressees: Addressees = field(default_factory=Addressees)
    cases_root: Path | None = None


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_("The profile {path} does not exist; check the path.").format(
            path=path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(_("The profile {path} cannot be read ({error}).").format(
            path=path, error=err)) from err
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(_("The profile {path} is not valid TOML ({error}); fix that line.")
                        .format(path=path, error=err)) from err


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def table(self, data: dict[str, Any], name: str, keys: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise PlanError(_("The profile {path}: {name} must be a table [{name}].").format(
                path=self.path, name=name))
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise PlanError(_("The profile {path}: unknown key {key!r} in [{name}]; known: "
                              "{known}.").format(path=self.path, key=unknown[0], name=name,
                                                 known=", ".join(keys)))
        return value

    def top(self, data: dict[str, Any], tables: tuple[str, ...]) -> None:
        unknown = sorted(set(data) - set(tables))
        if unknown:
            raise PlanError(_("The profile {path}: unknown table {key!r}; known: {known}.")
                            .format(path=self.path, key=unknown[0], known=", ".join(tables)))

    def text(self, table: dict[str, Any], key: str) -> str:
        value = table.get(key, "")
        if isinstance(value, int) and not isinstance(value, bool) and key in ("number", "phone"):
            value = str(value)  # merchant numbers are often written without quotes
        if not isinstance(value, str):
            raise PlanError(_("The profile {path}: {key} must be text.").format(
                path=self.path, key=key))
        return value.strip()

    def day(self, table: dict[str, Any], key: str) -> date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise PlanError(_("The profile {path}: {key} must be a date like 2025-03-01.").format(
            path=self.path, key=key))

    def months(self, table: dict[str, Any], key: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 240:
            raise PlanError(_("The profile {path}: {key} must be a number of months (0 to 240).")
                            .format(path=self.path, key=key))
        return value

    def flag(self, table: dict[str, Any], key: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            raise PlanError(_("The profile {path}: {key} must be true or false.").format(
                path=self.path, key=key))
        return value

    def addressees(self, data: dict[str, Any]) -> Addressees:
        maker = self.table(data, "manufacturer", PARTY_KEYS)
        provider = self.table(data, "service-provider", (*PARTY_KEYS, "repair-fee"))
        return Addressees(
            manufacturer=self.party("manufacturer", maker) if maker else None,
            service_provider=self.party("service-provider", provider) if provider else None,
            repair_fee=self.flag(provider, "repair-fee"))

    def party(self, role: str, table: dict[str, Any]) -> Party:
        return Party(role, **{key: self.text(table, key) for key in PARTY_KEYS})


def load_merchant_profile(path: str | Path) -> MerchantProfile:
    path = Path(path)
    data = _read(path)
    check = _Checker(path)
    check.top(data, ("merchant", "terminal", "manufacturer", "service-provider"))
    shop = check.table(data, "merchant", ("name", "number", "address", "contact", "phone"))
    terminal = check.table(data, "terminal", ("manufacturer", "model", "acquirer", "purchased",
                                              "installed", "warranty-months"))
    if not check.text(shop, "name"):
        raise PlanError(_("The profile {path} has no [merchant] name; add it.").format(path=path))
    merchant = Merchant(name=check.text(shop, "name"), merchant_number=check.text(shop, "number"),
                        address=check.text(shop, "address"), contact=check.text(shop, "contact"),
                        phone=check.text(shop, "phone"), profile=str(path))
    return MerchantProfile(
        path=str(path), merchant=merchant,
        manufacturer=check.text(terminal, "manufacturer"), model=check.text(terminal, "model"),
        acquirer=check.text(terminal, "acquirer"), purchased=check.day(terminal, "purchased"),
        installed=check.day(terminal, "installed"),
        warranty_months=check.months(terminal, "warranty-months"),
        addressees=check.addressees(data))


def kit_profile_path(config_dir: Path | None = None) -> Path:
    from posdiag.backup.kitkey import config_dir as posdiag_config_dir

    return posdiag_config_dir(config_dir) / KIT_PROFILE_NAME


def load_kit_profile(path: str | Path | None = None, *,
                     config_dir: Path | None = None) -> KitProfile:
    """The kit profile named, else profile.toml in the configuration folder, else empty."""
    if path is None:
        default = kit_profile_path(config_dir)
        if not default.is_file():
            return KitProfile(path="")
        path = default
    path = Path(path)
    data = _read(path)
    check = _Checker(path)
    check.top(data, ("technician", "warranty", "manufacturer", "service-provider", "cases"))
    person = check.table(data, "technician", ("name", "id"))
    warranty = check.table(data, "warranty", ("months",))
    cases = check.table(data, "cases", ("root",))
    root = check.text(cases, "root")
    return KitProfile(
        path=str(path),
        technician=Technician(check.text(person, "name"), check.text(person, "id")),
        warranty_months=check.months(warranty, "months"),
        addressees=check.addressees(data),
        cases_root=(path.parent / root) if root else None)
