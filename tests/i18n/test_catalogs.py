"""The catalogs are complete and correct: every message in the code (extracted with Babel from
the whole source tree, templates included) has a zh_CN translation that keeps its placeholders,
and the compiled .mo files that ship are exactly the .po files."""

from __future__ import annotations

import ast
import gettext
import io
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "posdiag" / "locale"
LANGUAGES = ("en", "zh_CN")
SOURCE_FOLDERS = ("posdiag", "drivers", "testplans")
GETTEXT_NAMES = {"_", "N_", "ngettext", "gettext"}


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """babel.cfg, the same mapping `make catalogs` uses."""
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        return parse_mapping_cfg(config)


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """Every message in the source tree -> where it is used."""
    method_map, options_map = _method_map()
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def catalog(language: str):
    with open(LOCALES / language / "LC_MESSAGES" / "posdiag.po", "rb") as po:
        return read_po(po, locale=language)


def names(text: str) -> set[str]:
    """The brace placeholders of a message ("{count}" -> "count")."""
    return {field.split(".")[0].split("[")[0]
            for _literal, field, _spec, _conv in string.Formatter().parse(text) if field}


MESSAGES = extracted()


def test_extraction_finds_the_messages_of_code_and_templates():
    assert "Test report" in MESSAGES and "PASS" in MESSAGES
    assert ("{count} run", "{count} runs") in MESSAGES
    from_templates = {key for key, places in MESSAGES.items()
                      if any(".j2:" in where for where in places)}
    assert "Reference {reference}; made from data with SHA-256 {sha256}." in from_templates


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_in_the_catalog(language):
    ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog(language) if m.id}
    missing = {key: where for key, where in MESSAGES.items() if key not in ids}
    assert not missing, "run `make catalogs`, then translate: " + "; ".join(
        f"{key!r} ({where[0]})" for key, where in list(missing.items())[:10])


def test_every_message_has_a_chinese_translation():
    untranslated = []
    for message in catalog("zh_CN"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"translate in posdiag/locale/zh_CN: {untranslated[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    broken = []
    for message in catalog(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            pairs = [(message.id, message.string)]
        else:  # every plural form must name what the plural msgid names
            pairs = [(message.id[1], form) for form in message.string]
        for source, translated in pairs:
            if not translated:
                continue
            try:
                ok = names(translated) == names(source)
            except ValueError:  # an unbalanced brace
                ok = False
            if not ok:
                broken.append((source, translated))
    assert not broken, broken[:5]


def test_chinese_has_one_plural_form_and_english_two():
    assert catalog("zh_CN").num_plurals == 1 and catalog("en").num_plurals == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_po_file(language):
    """The .mo that ships must say what the .po says (`make catalogs` compiles it)."""
    po = catalog(language)
    compiled = io.BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    with open(LOCALES / language / "LC_MESSAGES" / "posdiag.mo", "rb") as mo:
        shipped = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = {k for k in set(expected) | set(shipped) if expected.get(k) != shipped.get(k)}
    assert not stale, f"posdiag.mo is older than its .po; run `make catalogs`: {sorted(stale)[:5]}"
    mo_file = LOCALES / language / "LC_MESSAGES" / "posdiag.mo"
    po_file = LOCALES / language / "LC_MESSAGES" / "posdiag.po"
    assert mo_file.stat().st_size > 0 and po_file.exists()


def _gettext_calls_with_non_literal_text(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in GETTEXT_NAMES and node.args:
            count = 2 if node.func.id == "ngettext" else 1
            for argument in node.args[:count]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    continue
                # _(TABLE[key]) or _(message) translates a string marked N_ where it was
                # written (a table, a default argument); the N_ mark put it in the catalog.
                if node.func.id == "_" and isinstance(argument, ast.Subscript | ast.Name
                                                      | ast.Attribute):
                    continue
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return bad


def test_messages_are_whole_literal_sentences():
    """_(f"…"), _("a" + b) or _(call()) cannot be extracted, so it would never be translated.

    A name or a table entry is allowed: it carries a string marked N_ where it was written."""
    bad = []
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            bad.extend(_gettext_calls_with_non_literal_text(path))
    assert not bad, bad


def test_a_chinese_message_is_shown_in_chinese():
    from posdiag.i18n import _, ngettext, use_language

    with use_language("zh-CN"):
        assert _("Merchant number") == "商户号" and _("Card swipe") == "刷卡"
        assert ngettext("{count} run", "{count} runs", 3).format(count=3) == "3 次"
    with use_language("en"):
        assert ngettext("{count} run", "{count} runs", 1).format(count=1) == "1 run"
