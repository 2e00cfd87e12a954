"""Dataclasses to JSON and back, checked field by field against their type hints.

The case model is a tree of frozen dataclasses whose fields are str, int, bool, None, tuples,
dicts of JSON values, and further dataclasses. ``to_json`` is ``asdict`` with tuples as lists;
``from_json`` rebuilds the tree and raises ``ValueError`` naming the path of the first field that
is missing, unknown or of the wrong type, so a foreign or damaged file never becomes a half-built
case. Fields with a default may be absent (files written by an older posdiag).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, Union

from posdiag.i18n import _

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """A JSON-ready copy: dataclasses as dicts, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(cls: type[T], data: Any, path: str = "case") -> T:
    """Rebuild a dataclass of type ``cls`` from parsed JSON; ValueError on any mismatch."""
    return _converter(cls)(data, path)  # type: ignore[no-any-return,arg-type]


Convert = Callable[[Any, str], Any]


@cache
def _converter(hint: Any) -> Convert:
    """A function checking and building one type hint, made once per hint (case list reads a
    thousand cases: working the hints out again for each would cost more than the reading)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return _json_value
    if origin in (Union, types.UnionType):
        return _union([_converter(o) for o in typing.get_args(hint) if o is not type(None)],
                      type(None) in typing.get_args(hint))
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])

        def sequence(data: Any, path: str) -> Any:
            if not isinstance(data, list):
                raise ValueError(_("{path}: expected a list").format(path=path))
            return tuple(item(value, f"{path}[{i}]") for i, value in enumerate(data))

        return sequence
    if origin is dict or hint is dict:
        def mapping(data: Any, path: str) -> Any:
            if not isinstance(data, dict):
                raise ValueError(_("{path}: expected an object").format(path=path))
            return {str(k): _json_value(v, f"{path}.{k}") for k, v in data.items()}

        return mapping
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint)  # type: ignore[arg-type]
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise TypeError(f"cannot read a field of type {hint!r}")  # a model bug, found at once


def _union(options: list[Convert], nullable: bool) -> Convert:
    def union(data: Any, path: str) -> Any:
        if data is None and nullable:
            return None
        errors = []
        for option in options:
            try:
                return option(data, path)
            except ValueError as err:
                errors.append(str(err))
        raise ValueError(errors[0] if errors else f"{path}: unexpected null")

    return union


def _scalar(kind: type, words: str) -> Convert:
    def scalar(data: Any, path: str) -> Any:
        if not isinstance(data, kind) or (kind is not bool and isinstance(data, bool)):
            raise ValueError(_("{path}: expected {words}").format(path=path, words=words))
        return data

    return scalar


def _float(data: Any, path: str) -> float:
    if not isinstance(data, int | float) or isinstance(data, bool):
        raise ValueError(_("{path}: expected a number").format(path=path))
    return float(data)


_SCALARS: dict[Any, Convert] = {bool: _scalar(bool, "true or false"),
                                int: _scalar(int, "a whole number"),
                                str: _scalar(str, "a string"), float: _float}


def _dataclass(cls: type) -> Convert:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    required = frozenset(f.name for f in fields if f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING)
    known = frozenset(f.name for f in fields)
    converters: dict[str, Convert] = {}

    def build(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise ValueError(_("{path}: expected an object").format(path=path))
        if not converters:  # filled on first use: a dataclass may refer to itself
            converters.update({f.name: _converter(hints[f.name]) for f in fields})
        unknown = data.keys() - known
        if unknown:
            raise ValueError(_("{path}: unknown field {unknown!r}").format(
                                 path=path, unknown=sorted(unknown)[0]))
        missing = required - data.keys()
        if missing:
            raise ValueError(_("{path}: field {missing!r} is missing").format(
                                 path=path, missing=sorted(missing)[0]))
        return cls(**{name: converters[name](value, f"{path}.{name}")
                      for name, value in data.items()})

    return build


def _json_value(data: Any, path: str, depth: int = 0) -> Any:
    """Free-form JSON (details of an action, a probe's reading): checked, not interpreted."""
    if depth > 20:
        raise ValueError(_("{path}: nested too deeply").format(path=path))
    if data is None or isinstance(data, str | bool | int | float):
        return data
    if isinstance(data, list):
        return [_json_value(v, path, depth + 1) for v in data]
    if isinstance(data, dict):
        return {str(k): _json_value(v, path, depth + 1) for k, v in data.items()}
    raise ValueError(_("{path}: not a JSON value").format(path=path))
