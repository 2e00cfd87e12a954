"""Draw a Document as one self-contained HTML page, from Jinja2 templates.

Autoescaping is on for every template, so a value from a record or a case (a merchant's name,
a step name from a plan) can never become markup; the only markup not written in a template is
the QR code's SVG, which segno draws from the ASCII stamp. The i18n extension is bound to
posdiag's catalogs: the templates' own words are translated in the language active while
rendering (``use_language``). Nothing outside the page is referenced: styles are inline,
pictures are data: URIs, so the file opens offline and prints as it looks.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from posdiag.documents.model import Document, Image
from posdiag.documents.qr import qr_svg
from posdiag.documents.stamp import payload
from posdiag.i18n import _, current_language, ngettext

# The page's lang attribute (BCP 47) per catalog; fonts are chosen by it in the browser.
HTML_LANG = {"en": "en", "zh_CN": "zh-CN"}


def block_kind(block: object) -> str:
    """The template macro that draws a block: its class name in lower case ("facts")."""
    return type(block).__name__.lower()


def data_uri(image: Image) -> str:
    return png_uri(image.png)


def png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("posdiag.documents", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Old-style callables: a template writes _("… {name} …").format(name=…) as Python does,
    # so the catalogs have one placeholder style and the whole result is escaped.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_, ngettext=ngettext, newstyle=False)
    env.globals.update(block_kind=block_kind, data_uri=data_uri, png_uri=png_uri)
    return env


def render_html(document: Document) -> str:
    """The page, in the language active now (the builder's texts are already in it)."""
    context: dict[str, Any] = {
        "doc": document,
        "html_lang": HTML_LANG.get(current_language(), "en"),
        "stamp_payload": payload(document.stamp),
        # segno's SVG: drawn from an ASCII payload, no text of the document inside.
        "qr": Markup(qr_svg(payload(document.stamp))),
    }
    return environment().get_template("document.html.j2").render(context)
