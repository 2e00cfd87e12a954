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
from functools import cache
from typing import Any, TypeVar, Union

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
    return _build(cls, data, path)  # type: ignore[no-any-return]


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(hint: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if hint is Any:
        return _json_value(data, path)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _build(option, data, path)
            except ValueError as err:
                errors.append(str(err))
        raise ValueError(errors[0] if errors else f"{path}: unexpected null")
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a list")
        return tuple(_build(args[0], item, f"{path}[{i}]") for i, item in enumerate(data))
    if origin is dict or hint is dict:
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object")
        return {str(k): _json_value(v, f"{path}.{k}") for k, v in data.items()}
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, path)  # type: ignore[arg-type]
    if hint is bool:
        if not isinstance(data, bool):
            raise ValueError(f"{path}: expected true or false")
        return data
    if hint is int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise ValueError(f"{path}: expected a whole number")
        return data
    if hint is float:
        if not isinstance(data, int | float) or isinstance(data, bool):
            raise ValueError(f"{path}: expected a number")
        return float(data)
    if hint is str:
        if not isinstance(data, str):
            raise ValueError(f"{path}: expected a string")
        return data
    raise ValueError(f"{path}: cannot read a field of type {hint!r}")  # a model bug


def _dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{path}: unknown field {unknown[0]!r}")
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _build(hints[name], data[name], f"{path}.{name}")
        elif (field.default is dataclasses.MISSING
              and field.default_factory is dataclasses.MISSING):
            raise ValueError(f"{path}: field {name!r} is missing")
    return cls(**values)


def _json_value(data: Any, path: str, depth: int = 0) -> Any:
    """Free-form JSON (details of an action, a probe's reading): checked, not interpreted."""
    if depth > 20:
        raise ValueError(f"{path}: nested too deeply")
    if data is None or isinstance(data, str | bool | int | float):
        return data
    if isinstance(data, list):
        return [_json_value(v, path, depth + 1) for v in data]
    if isinstance(data, dict):
        return {str(k): _json_value(v, path, depth + 1) for k, v in data.items()}
    raise ValueError(f"{path}: not a JSON value")
