"""The fixed fault list of a case: a short key for the command line, an English and a Chinese label.

The list follows what replacement requests in the field ask for (Cybersource's
``replacementReason``, PAX and Adyen RMA forms, Chinese repair orders; see
docs/case.md): a few categories a repair desk can route on, and ``other`` for the rest. The
Chinese labels are part of the vocabulary, not a translation left to a catalog: a bilingual
document prints both, whatever language the technician's command line speaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from posdiag.errors import BadInput
from posdiag.i18n import N_, _, current_language


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    en: str
    zh: str

    def label(self) -> str:
        """The label in the language in use."""
        return self.zh if current_language() == "zh_CN" else _(self.en)


FAULT_CATEGORIES: tuple[Category, ...] = (
    Category("no-power", N_("Does not power on"), "无法开机"),
    Category("display", N_("Display fault"), "显示屏故障"),
    Category("card-reader", N_("Card reader / chip read error"), "读卡器故障/读芯片错误"),
    Category("pin-pad", N_("PIN pad fault"), "密码键盘故障"),
    Category("printer", N_("Printer fault"), "打印机故障"),
    Category("communication", N_("Communication / host error"), "通讯/主机连接故障"),
    Category("tamper", N_("Suspected tampering"), "疑似被篡改"),
    Category("keys", N_("Key or password problem"), "密钥或密码问题"),
    Category("other", N_("Other"), "其他"),
)
CATEGORY_KEYS: tuple[str, ...] = tuple(c.key for c in FAULT_CATEGORIES)

# How often the fault shows: what a repair desk asks first after "what".
FREQUENCIES: tuple[Category, ...] = (
    Category("always", N_("Always"), "一直"),
    Category("often", N_("Often (several times a day)"), "经常（每天数次）"),
    Category("sometimes", N_("Sometimes"), "偶尔"),
    Category("once", N_("Once so far"), "仅一次"),
)
FREQUENCY_KEYS: tuple[str, ...] = tuple(f.key for f in FREQUENCIES)


def category(key: str) -> Category:
    """The category of a key; BadInput naming the known keys otherwise."""
    for entry in FAULT_CATEGORIES:
        if entry.key == key:
            return entry
    raise BadInput(_("{key!r} is not a fault category; use one of {keys}.").format(
        key=key, keys=", ".join(CATEGORY_KEYS)))


def frequency(key: str) -> Category:
    for entry in FREQUENCIES:
        if entry.key == key:
            return entry
    raise BadInput(_("{key!r} is not a frequency; use one of {keys}.").format(
        key=key, keys=", ".join(FREQUENCY_KEYS)))
