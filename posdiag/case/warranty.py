"""In or out of warranty, and so to whom the request goes and whether the repair is charged.

Pure: dates in, a ``Warranty`` out. The period runs from the purchase (or installation) date
for the configured number of months; the day compared is the day the case was opened (the
fault is reported then). Without a date there is no proof of warranty — a manufacturer asks
for proof of purchase — so the case counts as out of warranty and goes to the service
provider; adding the date later (``posdiag case edit --purchased``) judges it again.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from posdiag.case.model import Party, Warranty
from posdiag.case.profiles import Addressees, KitProfile, MerchantProfile

DEFAULT_MONTHS = 12  # PAX, Verifone, Miura: a 12-month warranty (repair-workflow.md)
MANUFACTURER = "manufacturer"
SERVICE_PROVIDER = "service-provider"


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it has no such day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def merged_addressees(merchant: MerchantProfile | None, kit: KitProfile | None) -> Addressees:
    """The merchant's settings, else the kit's."""
    mine = merchant.addressees if merchant else Addressees()
    kits = kit.addressees if kit else Addressees()
    return Addressees(
        manufacturer=mine.manufacturer or kits.manufacturer,
        service_provider=mine.service_provider or kits.service_provider,
        repair_fee=mine.repair_fee if mine.repair_fee is not None else kits.repair_fee)


def judge_warranty(judged_on: date, *, start: date | None, start_kind: str,
                   months: int | None, addressees: Addressees,
                   manufacturer_name: str = "") -> Warranty:
    """The warranty decision for a fault reported on ``judged_on``."""
    months = DEFAULT_MONTHS if months is None else months
    if start is None:
        in_warranty, until, basis = False, "", "no-date"
    else:
        last = add_months(start, months) - timedelta(days=1)
        in_warranty, until, basis = start <= judged_on <= last, last.isoformat(), "dates"
    if in_warranty:
        addressee = addressees.manufacturer or Party(MANUFACTURER, name=manufacturer_name)
        fee = False
    else:
        addressee = addressees.service_provider or Party(SERVICE_PROVIDER)
        fee = True if addressees.repair_fee is None else addressees.repair_fee
    return Warranty(in_warranty=in_warranty, basis=basis, judged_on=judged_on.isoformat(),
                    addressee=addressee, repair_fee=fee,
                    start=start.isoformat() if start else "",
                    start_kind=start_kind if start else "", months=months, until=until,
                    manufacturer=addressees.manufacturer,
                    service_provider=addressees.service_provider,
                    fee_out_of_warranty=True if addressees.repair_fee is None
                    else addressees.repair_fee)


def rejudge(warranty: Warranty, *, start: date | None, start_kind: str,
            months: int | None) -> Warranty:
    """The same case judged again with new dates, with the addressees it already holds."""
    judged_on = date.fromisoformat(warranty.judged_on)
    addressees = Addressees(warranty.manufacturer, warranty.service_provider,
                            warranty.fee_out_of_warranty)
    return judge_warranty(judged_on, start=start, start_kind=start_kind,
                          months=warranty.months if months is None else months,
                          addressees=addressees,
                          manufacturer_name=warranty.addressee.name
                          if warranty.addressee.role == MANUFACTURER else "")
