"""The language of every user-facing string: gettext catalogs for zh_CN and en.

Source strings are English and written ``_("…{name}…").format(name=…)`` (brace
placeholders, never ``%`` or f-strings inside ``_``), so a translation can reorder them.
Strings that must exist before a language is chosen (tables, constants) are marked with
``N_`` and translated where they are shown.

The language is held in a context variable, not a module global: the CLI sets it once
from ``--lang`` or the environment, and a web request or a document renderer can use
another one for the length of a ``with use_language(…)`` block without touching the rest.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "posdiag"
DEFAULT_LANGUAGE = "en"
# Catalog names (gettext folder names) of the languages posdiag speaks.
LANGUAGES: tuple[str, ...] = ("en", "zh_CN")
LOCALE_DIR = Path(__file__).with_name("locale")

_language: ContextVar[str] = ContextVar("posdiag_language", default=DEFAULT_LANGUAGE)


def normalise_language(tag: str | None) -> str | None:
    """Map a language tag or locale name to a catalog name, or None if posdiag lacks it.

    Accepts what people and systems write: ``zh-CN``, ``zh_CN.UTF-8``, ``zh-Hans``,
    ``zh``, ``en_US.utf8``, ``C``, ``POSIX`` (the last two mean English).
    """
    if not tag:
        return None
    base = tag.strip().split(".")[0].split("@")[0].replace("-", "_")
    if base in ("C", "POSIX"):
        return "en"
    parts = base.split("_")
    language = parts[0].lower()
    if language == "en":
        return "en"
    if language == "zh":
        # Traditional-script regions read zh_TW/zh_HK better than simplified; posdiag has no
        # such catalog, so they fall back to English rather than get the wrong script.
        rest = {p.lower() for p in parts[1:]}
        if rest & {"tw", "hk", "mo", "hant"}:
            return None
        return "zh_CN"
    return None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The catalog the environment asks for (LC_ALL, LC_MESSAGES, LANG), else English.

    As in POSIX, the first of these that is set decides; a language posdiag does not
    speak falls back to English rather than to the next variable.
    """
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalise_language(value) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (identity for English or a missing catalog)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def set_language(tag: str | None) -> str:
    """Choose the language for this context; returns the catalog name in use."""
    language = normalise_language(tag) or DEFAULT_LANGUAGE
    _language.set(language)
    return language


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(tag: str | None) -> Iterator[str]:
    """Speak another language for the length of a block (a document, a web request)."""
    token = _language.set(normalise_language(tag) or DEFAULT_LANGUAGE)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """Translate one message into the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on a count."""
    return translations(_language.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it here (translated where shown)."""
    return message
