"""Money, dates and durations as people read them, known answers per language."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.i18n import use_language
from posdiag.i18n_format import (
    currency_code,
    format_date,
    format_datetime,
    format_duration,
    format_money,
    minor_unit_digits,
    parse_time,
)

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(("numeric", "alpha", "digits"), [
    (978, "EUR", 2), (156, "CNY", 2), (840, "USD", 2), (826, "GBP", 2), (756, "CHF", 2),
    (392, "JPY", 0), (48, "BHD", 3), ("978", "EUR", 2), ("0156", "CNY", 2)])
def test_iso_4217_numeric_codes_map_to_currencies(numeric, alpha, digits):
    assert currency_code(numeric) == alpha and minor_unit_digits(numeric) == digits


def test_unknown_codes_are_none():
    assert currency_code(999) is None  # XXX, "no currency"
    assert currency_code(1) is None and currency_code(None) is None and currency_code("ABC") is None


@pytest.mark.parametrize(("minor", "currency", "language", "shown"), [
    (100, 978, "en", "€1.00"), (100, 978, "zh_CN", "€1.00"),
    (123456, 156, "zh_CN", "¥1,234.56"), (123456, 156, "en", "CN¥1,234.56"),
    (-250, 978, "en", "-€2.50"), (500, 392, "en", "¥500"), (1005, 840, "en", "$10.05"),
    (100, 999, "en", "1.00 (currency 999)"), (None, 978, "en", "—")])
def test_amounts_are_money_with_symbol_and_decimals(minor, currency, language, shown):
    assert format_money(minor, currency, language) == shown


def test_the_current_language_is_used_when_none_is_given():
    with use_language("zh-CN"):
        assert format_money(1, 156) == "¥0.01"
    with use_language("en"):
        assert format_money(1, 156) == "CN¥0.01"


def test_times_are_local_with_the_zone_in_the_languages_order():
    utc = "2026-01-01T12:00:00.000Z"
    assert format_datetime(utc, "zh_CN", SHANGHAI) == "2026年1月1日 20:00:00 GMT+08:00"
    assert format_datetime(utc, "en", BERLIN) == "Jan 1, 2026, 1:00:00\u202fPM GMT+01:00"
    # Summer time: the offset in force at that moment, not today's.
    summer = format_datetime("2026-07-01T12:00:00Z", "en", BERLIN)
    assert summer.endswith("2:00:00\u202fPM GMT+02:00")
    assert format_date(utc, "zh_CN", SHANGHAI) == "2026年1月1日"
    assert format_date("2026-01-01T18:00:00Z", "zh_CN", SHANGHAI) == "2026年1月2日"


def test_text_that_is_not_a_time_is_shown_as_it_is():
    assert format_datetime("yesterday", "en") == "yesterday"
    assert format_datetime(None, "en") == "—" and parse_time("2026-13-01") is None
    assert parse_time("2026-01-01T12:00:00") == datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("seconds", "language", "shown"), [
    (0.0123, "en", "12 ms"), (3.44, "en", "3.4 s"), (125.2, "en", "2 min 5 s"),
    (None, "en", "—")])
def test_durations(seconds, language, shown):
    with use_language(language):
        assert format_duration(seconds) == shown


@given(st.integers(-10**12, 10**12), st.sampled_from([978, 156, 840, 392, 48, 999, 0]),
       st.sampled_from(["en", "zh_CN"]))
def test_money_never_raises_and_keeps_the_digits(minor, currency, language):
    shown = format_money(minor, currency, language)
    assert str(abs(minor) % 10) in shown
