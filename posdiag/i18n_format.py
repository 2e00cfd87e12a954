"""Numbers people read: money, dates and times, durations, in the current language's manner.

ZVT amounts are minor units (cents, fen) with an ISO 4217 *numeric* currency code (BMP 49:
978 = EUR, 156 = CNY); ``format_money`` maps the code (``iso4217``, the ISO table) and lets
Babel (CLDR) place the symbol, the separators and the decimals as the language writes them.
Times in records are UTC (RFC 3339); people read them in their local time with the zone
shown, in the order their language uses.

Babel is imported here, not in ``posdiag.i18n``: only commands that show money or dates pay
for it, and ``posdiag --version`` does not.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from posdiag.i18n import _, current_language, normalise_language

NOTHING = "—"


def babel_locale(language: str | None = None) -> Locale:
    """The CLDR locale of a posdiag language (default: the current one)."""
    name = normalise_language(language) if language else current_language()
    return _parsed_locale(name or "en")


@cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


# --- money -----------------------------------------------------------------------------------


@cache
def _currencies_by_number() -> dict[int, tuple[str, int]]:
    from iso4217 import Currency

    table: dict[int, tuple[str, int]] = {}
    for currency in Currency:
        # Codes without a minor unit (gold, SDR, 999 "no currency") are not money a
        # terminal takes: they are left out and shown as unknown codes.
        if currency.exponent is not None:
            table.setdefault(currency.number, (currency.code, currency.exponent))
    return table


def currency_code(currency: int | str | None) -> str | None:
    """The ISO 4217 alphabetic code of a numeric code (978 -> "EUR"), or None if unknown.

    An alphabetic code is returned as it is (upper case) when ISO knows it."""
    if currency is None or isinstance(currency, bool):
        return None
    if isinstance(currency, str):
        text = currency.strip()
        if text.isdigit():
            currency = int(text)
        else:
            code = text.upper()
            known = {alpha for alpha, _exp in _currencies_by_number().values()}
            return code if code in known else None
    found = _currencies_by_number().get(currency)
    return found[0] if found else None


def minor_unit_digits(currency: int | str) -> int:
    """How many decimals the currency's minor unit has (EUR, CNY: 2; JPY: 0)."""
    code = currency_code(currency)
    for alpha, exponent in _currencies_by_number().values():
        if alpha == code:
            return exponent
    return 2


def format_money(minor_units: int | None, currency: int | str | None,
                 language: str | None = None) -> str:
    """An amount in minor units as money: ``format_money(100, 978)`` -> "€1.00".

    An unknown currency still shows the amount with two decimals and the code as given,
    so nothing is hidden; a missing amount is a dash."""
    if minor_units is None or isinstance(minor_units, bool) or not isinstance(minor_units, int):
        return NOTHING
    code = currency_code(currency)
    locale = babel_locale(language)
    if code is None:
        amount = Decimal(minor_units).scaleb(-2)
        number = babel_numbers.format_decimal(amount, format="#,##0.00", locale=locale)
        if currency is None:
            return number
        return _("{amount} (currency {code})").format(amount=number, code=currency)
    digits = minor_unit_digits(code)
    amount = Decimal(minor_units).scaleb(-digits)
    return babel_numbers.format_currency(amount, code, locale=locale, currency_digits=True)


# --- dates and times -------------------------------------------------------------------------


def local_zone() -> tzinfo:
    """This machine's time zone by IANA name (TZ, /etc/timezone, /etc/localtime), else UTC.

    A named zone (not just today's offset) keeps summer time right for past moments and lets
    a document record which zone its times are in (``zone_name``)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = str(Path("/etc/localtime").resolve())
        if "/zoneinfo/" in target:
            candidates.append(target.split("/zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, OSError, ZoneInfoNotFoundError):
                continue
    return UTC


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone ("Asia/Shanghai"), "UTC" for UTC."""
    return getattr(zone, "key", None) or "UTC"


def zone_named(name: str) -> tzinfo:
    """The zone of an IANA name recorded by ``zone_name`` (unknown names: UTC)."""
    if name in ("", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        return UTC


def parse_time(value: str | datetime | None) -> datetime | None:
    """An RFC 3339 time from a record ("2026-01-01T12:00:00.000Z") as an aware datetime.

    Naive values are taken as UTC (records are written in UTC); unreadable ones give None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_time(value: str | datetime | None, zone: tzinfo | None = None) -> datetime | None:
    """The moment in ``zone`` (default: this machine's local zone, with the offset in force
    at that moment, so a summer time change between then and now does not shift it)."""
    moment = parse_time(value)
    if moment is None:
        return None
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def format_datetime(value: str | datetime | None, language: str | None = None,
                    zone: tzinfo | None = None) -> str:
    """Date and time in local time with its zone, in the language's order.

    en: "Jan 1, 2026, 1:00:00 PM GMT+01:00"; zh_CN: "2026年1月1日 20:00:00 GMT+08:00".
    Text that is not a time is shown as it is, so a hand-edited record stays readable."""
    moment = local_time(value, zone)
    if moment is None:
        return NOTHING if value in (None, "") else str(value)
    locale = babel_locale(language)
    text = babel_dates.format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=locale)
    offset = babel_dates.get_timezone_gmt(moment, width="long", locale=locale)
    return f"{text} {offset}"


def format_date(value: str | datetime | None, language: str | None = None,
                zone: tzinfo | None = None) -> str:
    """The local date alone, in the language's long form ("January 1, 2026", "2026年1月1日")."""
    moment = local_time(value, zone)
    if moment is None:
        return NOTHING if value in (None, "") else str(value)
    return babel_dates.format_date(moment.date(), "long", locale=babel_locale(language))


def format_time(value: str | datetime | None, language: str | None = None,
                zone: tzinfo | None = None) -> str:
    """The local time of day alone ("1:00:00 PM", "20:00:00")."""
    moment = local_time(value, zone)
    if moment is None:
        return NOTHING if value in (None, "") else str(value)
    return babel_dates.format_time(moment, "medium", tzinfo=moment.tzinfo,
                                   locale=babel_locale(language))


def format_list(items: list[str], language: str | None = None) -> str:
    """Items joined as the language lists them ("A, B, and C"; "A、B和C")."""
    from babel.lists import format_list as babel_format_list

    return babel_format_list([str(i) for i in items], locale=babel_locale(language)) if items \
        else ""


# --- numbers and durations -------------------------------------------------------------------


def format_number(value: float | int, digits: int = 0, language: str | None = None) -> str:
    """A number with the language's separators and exactly ``digits`` decimals."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(language))


def format_duration(seconds: float | int | None, language: str | None = None) -> str:
    """A step's duration as people say it: "12 ms", "3.4 s", "2 min 5 s" (毫秒, 秒, 分)."""
    if seconds is None or isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return NOTHING
    if seconds < 1:
        return _("{milliseconds} ms").format(
            milliseconds=format_number(round(seconds * 1000), 0, language))
    if seconds < 60:
        return _("{seconds} s").format(seconds=format_number(seconds, 1, language))
    minutes, rest = divmod(round(seconds), 60)
    return _("{minutes} min {seconds} s").format(minutes=format_number(minutes, 0, language),
                                                 seconds=format_number(rest, 0, language))
