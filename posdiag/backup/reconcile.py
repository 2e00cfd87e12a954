"""End-of-backup check: the journal's records added up versus the terminal's own totals.

Like a DEX trailer's segment count, the terminal's turnover totals (ZVT 06 10,
BMP 60) are an independent statement of what the journal should hold. Per
BMP 60 bucket the count and the amount are compared; when the terminal sends
no per-brand breakdown (many only send BMP 04), only the total amount is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from posdiag.devices import Totals
from posdiag.journal import BRAND_ORDER, normalise_bucket


@dataclass(frozen=True, slots=True)
class TotalsComparison:
    agree: bool
    differences: tuple[str, ...]  # one line per disagreeing bucket, for people
    terminal: Totals
    journal: Totals
    brands_compared: bool  # False when the terminal reported only a total amount
    # True when some brand's counts agree only modulo 256 (BMP 60 carries a count in one byte)
    counts_modulo_256: bool = False


def _by_bucket(totals: Totals) -> dict[str, tuple[int, int]]:
    result = dict.fromkeys(BRAND_ORDER, (0, 0))
    for line in totals.brands:
        bucket = normalise_bucket(line.brand)
        count, amount = result[bucket]
        result[bucket] = (count + line.count, amount + line.amount)
    return result


def format_amount(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def compare_totals(terminal: Totals, journal: Totals) -> TotalsComparison:
    differences: list[str] = []
    wrapped = False
    brands_compared = bool(terminal.brands)
    if brands_compared:
        theirs, ours = _by_bucket(terminal), _by_bucket(journal)
        for bucket in BRAND_ORDER:
            # BMP 60 carries each count in one binary byte: compare counts modulo 256.
            (t_n, t_a), (j_n, j_a) = theirs[bucket], ours[bucket]
            if (t_n % 256, t_a) == (j_n % 256, j_a) and t_n != j_n:
                wrapped = True
            if (t_n % 256, t_a) != (j_n % 256, j_a):
                t_count, t_amount = theirs[bucket]
                j_count, j_amount = ours[bucket]
                differences.append(f"{bucket}: terminal {t_count} for {format_amount(t_amount)}, "
                                   f"journal {j_count} for {format_amount(j_amount)}")
    if terminal.amount != journal.amount:
        differences.append(f"total: terminal {format_amount(terminal.amount)}, journal "
                           f"{format_amount(journal.amount)}")
    return TotalsComparison(not differences, tuple(differences), terminal, journal,
                            brands_compared, wrapped)


def totals_to_json(totals: Totals) -> dict[str, Any]:
    return {
        "amount": totals.amount,
        "currency": totals.currency,
        "receipt_from": totals.receipt_from,
        "receipt_to": totals.receipt_to,
        # Names come from the terminal: no control characters, bounded, as a manifest allows.
        "brands": {re.sub(r"[\x00-\x1f\x7f]", "?", b.brand)[:64]: [b.count, b.amount]
                   for b in totals.brands},
    }


def comparison_to_json(comparison: TotalsComparison) -> dict[str, Any]:
    return {
        "agree": comparison.agree,
        "brands_compared": comparison.brands_compared,
        "counts_modulo_256": comparison.counts_modulo_256,
        "differences": list(comparison.differences),
        "terminal": totals_to_json(comparison.terminal),
        "journal": totals_to_json(comparison.journal),
    }
