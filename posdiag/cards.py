"""Card numbers (PANs): the Luhn check, masking to first 6 / last 4, and a masking log filter.

What counts as a PAN here: a run of 13 to 19 ASCII digits, with no digit right before or after
it, that passes the Luhn check. Spaces or dashes inside a number ("4761 7390 …") are NOT joined:
only plain digit runs are recognised, so grouped numbers must be masked where they are
formatted. Runs longer than 19 digits are not PANs, but one may hide inside (a PAN glued to
other digits in a dump); ``mask_text`` therefore blanks a long run completely when any 13–19
digit window of it passes Luhn. Over-masking is the safe failure.

The design rule this serves: no full PAN reaches a log, record, report or stdout (PCI DSS 3.4.1
allows at most the BIN and the last four digits to be shown).
"""

from __future__ import annotations

import logging
import re

from posdiag.errors import BadInput

MIN_PAN_LENGTH = 13
MAX_PAN_LENGTH = 19
SHOWN_FIRST = 6
SHOWN_LAST = 4
MASK_CHAR = "*"

_LONG_RUN = 64
_DIGIT_RUN = re.compile(rf"[0-9]{{{MIN_PAN_LENGTH},}}")


def luhn_valid(digits: str) -> bool:
    """True if ``digits`` (ASCII digits only, at least 2) passes the mod-10 check."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    if not (partial.isascii() and partial.isdigit()):
        raise BadInput("A Luhn check digit is computed over digits only; remove other characters.")
    for candidate in "0123456789":
        if luhn_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits kept, the rest ``*`` (e.g. ``476173******0010``).

    Numbers too short to hide anything that way (12 digits or fewer) keep only the last 4.
    """
    if not (pan.isascii() and pan.isdigit()):
        raise BadInput("A PAN to mask is digits only; strip spaces and dashes first.")
    if len(pan) < MIN_PAN_LENGTH:
        hidden = max(len(pan) - SHOWN_LAST, 0)
        return MASK_CHAR * hidden + pan[hidden:]
    middle = len(pan) - SHOWN_FIRST - SHOWN_LAST
    return pan[:SHOWN_FIRST] + MASK_CHAR * middle + pan[-SHOWN_LAST:]


def _is_pan(run: str) -> bool:
    return MIN_PAN_LENGTH <= len(run) <= MAX_PAN_LENGTH and luhn_valid(run)


def _hides_pan(run: str) -> bool:
    """True if a digit run longer than a PAN has a Luhn-valid 13–19 digit window."""
    if len(run) > _LONG_RUN:
        return True  # practically always true; do not spend time proving it
    return any(
        luhn_valid(run[start : start + size])
        for size in range(MIN_PAN_LENGTH, MAX_PAN_LENGTH + 1)
        for start in range(len(run) - size + 1)
    )


def find_pans(text: str) -> list[str]:
    """Every Luhn-valid run of exactly 13–19 digits in ``text``, in order (full numbers)."""
    return [m.group() for m in _DIGIT_RUN.finditer(text) if _is_pan(m.group())]


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if _is_pan(run):
        return mask_pan(run)
    if len(run) > MAX_PAN_LENGTH and _hides_pan(run):
        return MASK_CHAR * len(run)
    return run


# Magnetic-stripe track layouts (ISO/IEC 7813): whatever follows the PAN is sensitive
# authentication data (expiry, service code, discretionary data with PVV/CVV) and goes whole.
_TRACK2 = re.compile(r";?(\d{12,19})[=D]\d{4,}\??")
_TRACK1 = re.compile(r"%?B(\d{12,19})\^[^^\n]{0,26}\^[^?\n]*\??")


def redact_tracks(text: str) -> str:
    """``text`` with track 1 / track 2 data replaced by the masked PAN and a marker."""
    text = _TRACK1.sub(lambda m: f"B{mask_pan(m.group(1))}^<track data withheld>", text)
    return _TRACK2.sub(lambda m: f"{mask_pan(m.group(1))}=<track data withheld>", text)


def mask_text(text: str) -> str:
    """``text`` with track data withheld and every PAN masked to first 6 / last 4 (and
    PAN-hiding long runs blanked)."""
    return _DIGIT_RUN.sub(_mask_run, redact_tracks(text))


def assert_no_pans(text: str) -> list[str]:
    """Test helper: raise AssertionError if ``text`` holds a PAN; return the (empty) list found.

    Checks what ``mask_text`` would change, so long runs that hide a PAN count too. The
    message names the findings masked, so a failing test does not print the PAN itself.
    """
    found = [m.group() for m in _DIGIT_RUN.finditer(text) if _mask_run(m) != m.group()]
    if found:
        shown = ", ".join(
            mask_pan(run) if _is_pan(run) else f"{len(run)}-digit run" for run in found
        )
        raise AssertionError(f"card numbers found in text: {shown}")
    return found


class MaskingFilter(logging.Filter):
    """Masks PANs in log records: message, arguments, exception and stack text.

    The message is formatted here (msg % args) and stored masked with ``args`` cleared, because
    masking arguments one by one would break ``%d`` for numeric PANs. Attach it to handlers
    (``handler.addFilter(MaskingFilter())``) so records from every logger pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # A broken format string: logging would print msg and args raw in its error
            # report, so keep one masked line instead.
            record.msg = mask_text(f"{record.msg!s} % {record.args!r}")
            record.args = None
            return True
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
