"""The page's language from the browser's Accept-Language (RFC 9110 §12.5.4).

The header is a list of language ranges with optional weights: ``zh-CN,zh;q=0.9,en;q=0.8``.
The best-weighted range posdiag speaks wins (ties: the first listed); ``*`` and unknown
ranges are passed over; anything malformed counts as absent. English is the fallback.
"""

from __future__ import annotations

from posdiag.i18n import DEFAULT_LANGUAGE, normalise_language

MAX_HEADER = 1024
MAX_RANGES = 32


def _weight(params: list[str]) -> float | None:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                return None
            return weight if 0.0 <= weight <= 1.0 else None
    return 1.0


def negotiate(header: str | None) -> str:
    """The catalog (``en`` or ``zh_CN``) for an Accept-Language header value."""
    if not header or len(header) > MAX_HEADER:
        return DEFAULT_LANGUAGE
    best: tuple[float, int, str] | None = None
    for order, item in enumerate(header.split(",")[:MAX_RANGES]):
        tag, *params = item.split(";")
        tag = tag.strip()
        weight = _weight(params)
        if not tag or tag == "*" or weight is None or weight == 0.0:
            continue
        language = normalise_language(tag)
        if language is None:
            continue
        if best is None or weight > best[0]:
            best = (weight, order, language)
    return best[2] if best else DEFAULT_LANGUAGE
