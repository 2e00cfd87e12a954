"""Babel extraction for posdiag's Python: the usual ``_()`` calls plus command help texts.

Click takes a command's help from its function's docstring, and Babel's Python extractor
skips docstrings. This extractor (named in babel.cfg) runs Babel's own and adds the
docstring of every function decorated with ``@….command(…)`` or ``@….group(…)`` that has no
``help=`` of its own, cleaned as click shows it (posdiag.cli.help.help_key), so the catalog
key is the text looked up when help is printed. Used by `make catalogs` and
tests/i18n/test_catalogs.py; never imported at run time.
"""

from __future__ import annotations

import ast
import inspect
import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

_DECORATORS = {"command", "group"}


def _is_command_decorator(node: ast.expr) -> bool:
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call is not None else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name not in _DECORATORS:
        return False
    return call is None or not any(keyword.arg == "help" for keyword in call.keywords)


def command_docstrings(source: str) -> Iterator[tuple[int, str]]:
    """(line, help key) of every click command's docstring in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not any(_is_command_decorator(d) for d in node.decorator_list):
            continue
        doc = ast.get_docstring(node, clean=False)
        if doc:
            yield node.body[0].lineno, inspect.cleandoc(doc).partition("\f")[0]


def extract_python_with_help(fileobj: IO[bytes], keywords: Mapping[str, Any],
                             comment_tags: Collection[str],
                             options: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    data = fileobj.read()
    python_options: Any = options
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, python_options)
    encoding = options.get("encoding", "utf-8")
    for lineno, key in command_docstrings(data.decode(encoding)):
        yield lineno, "_", key, []
