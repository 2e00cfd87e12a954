"""The fonts a PDF embeds: one that has Chinese, found on this machine, or a clear error.

A PDF must print the same on any machine, so its fonts are embedded (subset: only the glyphs
used). Chinese needs a CJK font: Debian's fonts-noto-cjk (Noto Sans CJK SC) or
fonts-wqy-microhei, or any file named by ``POSDIAG_CJK_FONT`` (``path`` or ``path#index`` for a
face in a .ttc collection). A PDF is never drawn without one: a missing font would print
empty boxes where the merchant's name should be. Noto Sans CJK and WenQuanYi also carry Latin
letters, digits and the euro sign, so one family draws the whole page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from posdiag.errors import DocumentSetupError
from posdiag.i18n import _

FONT_ENV = "POSDIAG_CJK_FONT"

# (regular, bold) by preference; bold may be missing (the regular face is used for it).
KNOWN_FONTS: tuple[tuple[str, str | None], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
)
# Characters every posdiag document needs: a few Chinese terms, Latin, digits, money.
PROBE = "换机申请表验收单商户号终端号序列号 Tested 0123456789 €¥"


@dataclass(frozen=True, slots=True)
class FontFace:
    path: Path
    index: int = 0  # face number inside a .ttc collection

    def describe(self) -> str:
        return f"{self.path}#{self.index}" if self.index else str(self.path)


@dataclass(frozen=True, slots=True)
class FontSet:
    regular: FontFace
    bold: FontFace


def _cmap(face: FontFace) -> frozenset[int]:
    return _cmap_of(str(face.path), face.index)


@cache
def _cmap_of(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _chinese_face(path: Path) -> FontFace:
    """The Simplified Chinese face of a collection (Noto's .ttc holds JP, KR, SC, TC, HK)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return FontFace(path)
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as collection:
        names = [str(font["name"].getBestFamilyName() or "") for font in collection.fonts]
    for wanted in (" SC", "CN", "Micro Hei", "Zen Hei"):
        for index, name in enumerate(names):
            if wanted in name:
                return FontFace(path, index)
    return FontFace(path)


def _from_env(value: str) -> FontFace:
    path_text, _sep, index_text = value.partition("#")
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise DocumentSetupError(_(
            "The font {path} named by {variable} does not exist; name a .ttf, .otf or .ttc "
            "file that has Chinese characters.").format(path=path, variable=FONT_ENV))
    if index_text:
        if not index_text.isdigit():
            raise DocumentSetupError(_(
                "{variable} ends in #{index}, which is not a face number; write path#2 for the "
                "third face of a collection.").format(variable=FONT_ENV, index=index_text))
        return FontFace(path, int(index_text))
    return _chinese_face(path)


def _fc_match() -> Path | None:
    """The font fontconfig picks for Simplified Chinese, if fontconfig is installed."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True,
                               text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(found) if found else None
    return path if path and path.is_file() and path.suffix.lower() in (
        ".ttf", ".otf", ".ttc", ".otc") else None


def _candidates() -> Iterable[tuple[FontFace, FontFace | None]]:
    configured = os.environ.get(FONT_ENV)
    if configured:
        yield _from_env(configured), None
        return
    for regular, bold in KNOWN_FONTS:
        if Path(regular).is_file():
            bold_face = _chinese_face(Path(bold)) if bold and Path(bold).is_file() else None
            yield _chinese_face(Path(regular)), bold_face
    matched = _fc_match()
    if matched is not None:
        yield _chinese_face(matched), None


def find_fonts() -> FontSet:
    """The fonts to embed: the first CJK font found that really has Chinese glyphs.

    DocumentSetupError naming the packages to install when none is found."""
    for regular, bold in _candidates():
        try:
            covered = _cmap(regular)
        except Exception:
            if os.environ.get(FONT_ENV):
                raise DocumentSetupError(_(
                    "The font {path} named by {variable} cannot be read; name a .ttf, .otf or "
                    ".ttc file.").format(path=regular.describe(), variable=FONT_ENV)) from None
            continue
        if all(ord(c) in covered for c in PROBE if not c.isspace()):
            return FontSet(regular, bold or regular)
        if os.environ.get(FONT_ENV):
            raise DocumentSetupError(_(
                "The font {path} named by {variable} has no Chinese characters; name a CJK "
                "font such as Noto Sans CJK SC.").format(path=regular.describe(),
                                                         variable=FONT_ENV))
    raise DocumentSetupError(_(
        "No Chinese font was found for the PDF; install one (Debian: apt install fonts-noto-cjk, "
        "or fonts-wqy-microhei) or set {variable} to a .ttf, .otf or .ttc file.").format(
            variable=FONT_ENV))


def missing_glyphs(fonts: FontSet, texts: Iterable[str]) -> str:
    """Characters of ``texts`` the regular font cannot draw (each once, in order)."""
    covered = _cmap(fonts.regular)
    missing: list[str] = []
    for text in texts:
        for char in text:
            if char.isprintable() and not char.isspace() and ord(char) not in covered \
                    and char not in missing:
                missing.append(char)
    return "".join(missing)


def missing_spaces(fonts: FontSet, texts: Iterable[str]) -> str:
    """Space characters of ``texts`` other than " " that the regular font cannot draw."""
    covered = _cmap(fonts.regular)
    found: set[str] = set()
    for text in texts:
        found.update(c for c in text if c.isspace() and c not in " \n\t" and ord(c) not in covered)
    return "".join(sorted(found))
