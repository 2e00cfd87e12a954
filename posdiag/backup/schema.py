"""A strict, small validator for the JSON a backup set holds (manifests, seals, indexes).

Everything read from a stick is hostile until checked: every object must have exactly
the keys its format names, every value the declared type (a ``bool`` is not an
integer, a float never is) and a range or pattern, every list and map a maximum
length. The first violation raises ``SchemaError`` with the path of the value
(``segments[3].file.size``), so the message says where a manifest is wrong.

Deliberately tiny and without a dependency: a dozen combinators that run on the
Pi's Python as they do in CI, and that a reader can check against docs/backup-set.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from posdiag.i18n import _

Check = Callable[[Any, str], Any]

MAX_SIZE = 1 << 48  # bytes: far beyond any journal or file, far below float trouble
HEX64 = re.compile(r"[0-9a-f]{64}")


class SchemaError(ValueError):
    """A JSON value does not have the shape its format requires."""


def _fail(path: str, what: str) -> SchemaError:
    return SchemaError(_("{path} {what}").format(path=path or _("the document"), what=what))


def _kind(value: Any) -> str:
    return type(value).__name__


def integer(low: int = 0, high: int = MAX_SIZE) -> Check:
    def check(value: Any, path: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(path, _("must be an integer, not {type}").format(type=_kind(value)))
        if not low <= value <= high:
            raise _fail(path, _("must be between {low} and {high}, not {value}").format(
                low=low, high=high, value=value))
        return value
    return check


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, _("must be true or false, not {type}").format(type=_kind(value)))
    return value


def text(pattern: str | re.Pattern[str] | None = None, max_length: int = 256) -> Check:
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _fail(path, _("must be a string, not {type}").format(type=_kind(value)))
        if len(value) > max_length:
            raise _fail(path, _("is longer than {count} characters").format(count=max_length))
        if compiled is not None and not compiled.fullmatch(value):
            raise _fail(path, _("has a form this format does not allow"))
        if compiled is None and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise _fail(path, _("holds control characters"))
        return value
    return check


def literal(*allowed: Any) -> Check:
    def check(value: Any, path: str) -> Any:
        # type() as well as ==: 1 == True in Python, and a format never means that.
        if not any(type(value) is type(a) and value == a for a in allowed):
            raise _fail(path, _("must be one of {values}").format(
                values=", ".join(map(repr, allowed))))
        return value
    return check


def nullable(inner: Check) -> Check:
    def check(value: Any, path: str) -> Any:
        return None if value is None else inner(value, path)
    return check


def list_of(item: Check, max_items: int, min_items: int = 0) -> Check:
    def check(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise _fail(path, _("must be a list, not {type}").format(type=_kind(value)))
        if not min_items <= len(value) <= max_items:
            raise _fail(path, _("must have {low} to {high} items, not {count}").format(
                low=min_items, high=max_items, count=len(value)))
        return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return check


def pair(first: Check, second: Check) -> Check:
    def check(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list) or len(value) != 2:
            raise _fail(path, _("must be a list of two values"))
        return [first(value[0], f"{path}[0]"), second(value[1], f"{path}[1]")]
    return check


def mapping(key: Check, value_check: Check, max_items: int) -> Check:
    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(path, _("must be an object, not {type}").format(type=_kind(value)))
        if len(value) > max_items:
            raise _fail(path, _("has more than {count} entries").format(count=max_items))
        return {key(k, f"{path} key"): value_check(v, f"{path}.{k}") for k, v in value.items()}
    return check


def record(required: Mapping[str, Check], optional: Mapping[str, Check] | None = None) -> Check:
    """An object with exactly these keys (``optional`` ones may be absent)."""
    optional = optional or {}

    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(path, _("must be an object, not {type}").format(type=_kind(value)))
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise _fail(path, _("has a key this format does not know: {key!r}").format(
                key=unknown[0]))
        missing = sorted(set(required) - set(value))
        if missing:
            raise _fail(path, _("lacks the key {key!r}").format(key=missing[0]))
        prefix = f"{path}." if path else ""
        checked = {k: c(value[k], prefix + k) for k, c in required.items()}
        checked.update({k: c(value[k], prefix + k) for k, c in optional.items() if k in value})
        return checked
    return check


def with_or_without(key: str, present: Check, absent: Check) -> Check:
    """An object of one of two forms, told apart by whether it has ``key``: the refusal
    then names what is wrong in the form it has, not in the form it was never meant to be."""
    def check(value: Any, path: str) -> Any:
        return (present if isinstance(value, dict) and key in value else absent)(value, path)
    return check
