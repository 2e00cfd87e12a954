"""Help texts in the chosen language: commands whose help is translated when it is shown.

Click takes a command's help from its docstring when the module is imported, in whatever
language was chosen then; `posdiag --lang zh-CN backup --help` must show Chinese even when
the module was imported earlier in English (tests, the kit's long-running process). So the
texts stay English on the command objects and are looked up in the catalog at format time:
the command's help and short help, every option's help, and the epilog.

Docstrings are not extracted by Babel's Python extractor; ``posdiag.i18n_extract`` (named
in babel.cfg) adds the docstring of every function decorated as a click command, cleaned
as click cleans it, so the catalog key is exactly the text looked up here. Option help is
marked ``N_("…")`` where it is written (docs/decisions.md, "Help texts").
"""

from __future__ import annotations

import copy
import inspect
import re
from typing import Any

import click

from posdiag.cli.help_format import Context
from posdiag.i18n import N_, _
from posdiag.i18n_width import clip, display_width


def help_key(text: str) -> str:
    """The catalog key of a help text: cleaned and cut at the first form feed, as click shows it."""
    return inspect.cleandoc(text).partition("\f")[0]


def translate_help(text: str | None) -> str:
    """A help text in the current language (the English text when the catalog lacks it)."""
    if not text:
        return ""
    key = help_key(text)
    translated = _(key)
    if translated == key and text != key:
        # Marked N_("""…""") as written (not cleaned): the catalog holds the raw text.
        translated = help_key(_(text))
    return translated


HELP_OPTION_HELP = N_("Show this message and exit.")
VERSION_OPTION_HELP = N_("Show the version and exit.")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def short_help(text: str, limit: int = 45) -> str:
    """The first sentence of a help text's first paragraph, cut to ``limit`` display cells."""
    paragraph = text.split("\n\n", 1)[0].replace("\n", " ").strip()
    sentence = _SENTENCE_END.split(paragraph, 1)[0].strip()
    if display_width(sentence) <= limit:
        return sentence.rstrip(".。")
    if " " in sentence:
        words, kept = sentence.split(), ""
        for word in words:
            candidate = f"{kept} {word}" if kept else word
            if display_width(candidate) > limit - 3:
                break
            kept = candidate
        if kept:
            return kept + "..."
    return clip(sentence, limit)


class TranslatedHelp(click.Command):
    """Formats help in the language chosen for this run (a mixin for commands and groups)."""

    context_class = Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            # Click words it in the language of the first run and keeps the option; the
            # English text is the key, translated with the other options when shown.
            option.help = HELP_OPTION_HELP
        return option

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = translate_help(self.help)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            return translate_help(self.short_help).strip()
        return short_help(translate_help(self.help), limit) if self.help else ""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = []
        for param in self.get_params(ctx):
            shown = param
            help_text = getattr(param, "help", None)
            if help_text:
                # A copy, so that the command keeps its English text for the next language.
                shown = copy.copy(param)
                shown.help = translate_help(help_text)  # type: ignore[attr-defined]
            record = shown.get_help_record(ctx)
            if record is not None:
                records.append(record)
        if records:
            with formatter.section(_("Options")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(translate_help(self.epilog))


class Command(TranslatedHelp, click.Command):
    """A posdiag command: ``@click.command(cls=Command)``."""


class Group(TranslatedHelp, click.Group):
    """A posdiag group: ``@click.group(cls=Group)``; its sub-commands are Commands."""

    command_class = Command
    group_class = type  # sub-groups are of the same class as their parent


def route_click_messages() -> None:
    """Let click's own messages (usage errors, "Options", "Usage:") come from our catalog.

    Click looks its messages up with the standard library's global gettext; each of its
    modules binds ``_`` (and some ``ngettext``) at import. Pointing those names at posdiag's
    functions makes click speak the language chosen for this run; the messages themselves
    are listed in posdiag.cli.click_messages so that extraction puts them in the catalog.
    A message missing from the catalog stays click's English.
    """
    import gettext
    import importlib

    from posdiag.i18n import ngettext

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                 "utils", "shell_completion", "_termui_impl"):
        try:
            module: Any = importlib.import_module(f"click.{name}")
        except ImportError:  # a click version without this module
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext
