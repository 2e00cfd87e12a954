"""Card numbers (PANs): the Luhn check, masking to first 6 / last 4, and the guards every writer
and every output path of posdiag uses.

What counts as a card number (docs/journal.md §Card numbers is the full definition):

* A **digit** is any Unicode decimal digit: ``0-9``, full-width ``０-９``, Arabic-Indic, … (a
  full-width PAN is as readable on a screen as an ASCII one).
* A **group** is digits in a row. A **run** is groups joined by single **separators**: one
  space (any Unicode space separator; not a tab, which separates columns), one dash (``-``,
  Unicode dashes, the minus sign, the full-width hyphen) or one dot (``.`` or the full-width
  full stop). Two separators in a row, a line break or any other character end the run.
* Groups are read as one number only where they are **written the way card numbers are**:
  fours with a shorter last group (``4761 7390 0101 0010``, ``6799 9902 0000 0001 114``),
  4-6-5 or 4-6-4 (American Express, Diners), or ones and twos (digit by digit, or BCD bytes in
  a hex dump: ``47 61 73 90 01 01 00 10``). Other groupings are not joined, so a case ID
  ``2026-1130-52500001-01``, a date or two TIDs side by side are not read as one number.
* Such a group or stretch of groups **holds a card number** when any 13 to 19 consecutive
  digits of it (a *window*) that do not start with 0 pass the Luhn check (ISO/IEC 7812-1
  gives no card issuer the industry digit 0, and zero-padded fields such as EMV AIDs
  ``A0000000101030`` or BCD amounts would otherwise read as card numbers). Masking hides the
  middle of every such window: a whole card number becomes first 6 / last 4
  (``4761 73** **** 0010``); digits glued to one (``9`` + PAN, a length byte before a BCD PAN)
  keep its first 6 and last 4 and lose its middle. No window of masked text is a card number
  any more, so masking twice changes nothing.
* Track 1 / track 2 layouts (``;PAN=YYMM…?``, ``%BPAN^NAME^…?``, BCD ``PAN D YYMM…``) are
  withheld whole after the masked PAN: what follows a PAN on a stripe is sensitive
  authentication data.

Over-masking is the safe failure: an identifier that happens to hold a Luhn-valid window is
masked too (see docs/journal.md for what that costs). Hex digests are the one exception.

The guards, one per kind of output (all never raise):

* ``mask_text(text)``: any text about to be shown or stored.
* ``mask_data(value)``: any JSON-able structure (records, snapshots, cases): every string,
  every key and every number that holds a card number.
* ``pan_paths(value)`` / ``holds_pan(text)``: to refuse instead of mask, naming where.
* ``MaskingFilter``: logging.
* ``Digest``: a hex digest posdiag computed itself, which the guards leave alone; and any
  text that is a whole hex digest in shape (``is_digest``: 32/40/64/128 lower-case hex
  characters, one a letter, standing alone) is left exact too, so a digest read back from a
  record or a case stays the reference it is.

The design rule this serves: no full PAN reaches a log, record, report or stdout (PCI DSS
3.4.1 allows at most the BIN and the last four digits to be shown).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from posdiag.errors import BadInput

MIN_PAN_LENGTH = 13
MAX_PAN_LENGTH = 19
SHOWN_FIRST = 6
SHOWN_LAST = 4
MASK_CHAR = "*"

# Separators that may stand (one at a time) between the digits of one run.
_SPACES = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_DASHES = r"\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
_DOTS = r".\uff0e"
SEPARATORS = f"[{_SPACES}{_DASHES}{_DOTS}]"
# \d in a str pattern is any Unicode decimal digit (category Nd), exactly what str.isdecimal()
# accepts and unicodedata.decimal() converts.
# Only runs of 13 digits or more are matched (shorter ones cannot hold a card number). A
# match starts at a run's first digit (a later start has fewer digits ahead) and is greedy,
# so it is the whole run; no two ways to match, so the scan is linear.
_RUN = re.compile(rf"\d(?:{SEPARATORS}?\d){{{MIN_PAN_LENGTH - 1},}}")
# A hex digest posdiag prints on purpose (a SHA-256 of a file, a revision, a manifest; a run
# ID): one whole token of 32, 40, 64 or 128 lower-case hex characters, at least one of them a
# letter, standing alone (no letter or digit either side). About one SHA-256 in a few hundred
# holds a Luhn-valid run of decimal digits by chance; masking it would break the reference it
# is, and nobody can make a digest spell a chosen card number (a preimage search). A card
# number glued into such a token is not masked: that shape is the price of exact digests, and
# the journal's strict check (``holds_pan(strict=True)``) has no such exception.
_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[a-f])"
                         r"(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})"
                         r"(?![0-9A-Za-z])")
# Stricter, for fields of a fixed form (the journal): any single character but a letter G-Z
# joins digits, so "4761/7390/0101/0010" and hex nibbles "4761E7390E0101E0010" are one run.
_STRICT_RUN = re.compile(rf"\d(?:[^\dG-Zg-z\n\r]?\d){{{MIN_PAN_LENGTH - 1},}}")
# Track layouts need 12 ASCII digits in a row; text without them skips the track patterns.
_TRACK_HINT = re.compile(r"[0-9]{12}")
_DIGIT = re.compile(r"\d")

# A run of more digits than this is blanked whole without looking at its windows: it holds
# a Luhn-valid window with near certainty, and a screen has no use for it.
_BLANK_LONGER_THAN = 4096


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


# --- windows ---------------------------------------------------------------------------------

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # Luhn value of a digit in a doubled position


def _luhn_windows(values: list[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of every 13-19 digit window of ``values`` that passes Luhn and does not
    start with 0 (no card number does: ISO/IEC 7812-1 gives no card issuer the industry
    digit 0), in O(n).

    Prefix sums in both parities: ``even[i]`` sums positions < i with even positions taken
    as they are and odd ones doubled, ``odd[i]`` the other way round. A window's rightmost
    digit is taken as it is, so a window ending on an even position sums from ``even``.
    """
    even = [0]
    odd = [0]
    for position, value in enumerate(values):
        single, double = value, _DOUBLED[value]
        even.append(even[-1] + (single if position % 2 == 0 else double))
        odd.append(odd[-1] + (double if position % 2 == 0 else single))
    for end in range(MIN_PAN_LENGTH, len(values) + 1):
        sums = even if (end - 1) % 2 == 0 else odd
        for size in range(MIN_PAN_LENGTH, min(MAX_PAN_LENGTH, end) + 1):
            start = end - size
            if values[start] and (sums[end] - sums[start]) % 10 == 0:
                yield start, end


def _hidden_digits(values: list[int]) -> set[int]:
    """Indexes (into the run's digits) to hide: the middle of every Luhn-valid window."""
    if len(values) > _BLANK_LONGER_THAN:
        return set(range(len(values)))
    hidden: set[int] = set()
    for start, end in _luhn_windows(values):
        hidden.update(range(start + SHOWN_FIRST, end - SHOWN_LAST))
    return hidden


def _digit_value(char: str) -> int:
    return unicodedata.decimal(char, 0)


_GROUP = re.compile(r"\d+")
# How card numbers are written in groups (ISO/IEC 7812 numbers on cards and receipts): fours,
# the last group shorter for 13-19 digits (4-4-4-4, 4-4-4-4-3, 4-4-4-1); American Express
# 4-6-5 and Diners 4-6-4; and in ones and twos: digit by digit, or BCD bytes of a hex dump.
_AMEX_DINERS = ((4, 6, 5), (4, 6, 4))


def _card_like_segments(groups: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """The stretches of a run's digit groups that are written the way card numbers are.

    Every group alone (contiguous digits); each maximal stretch of four-digit groups with
    the group after it if that has 1-3 digits; each 4-6-5 or 4-6-4 triple; each maximal
    stretch of groups of one or two digits. Groups written otherwise are not joined: a case
    ID ``2026-1130-52500001-01`` or a date and a TID are not read as one number.
    """
    sizes = [end - start for start, end in groups]
    count = len(groups)
    for group in groups:
        yield [group]
    if count < 2:
        return
    index = 0
    while index < count:
        if sizes[index] == 4:
            stop = index
            while stop < count and sizes[stop] == 4:
                stop += 1
            tail = 1 if stop < count and 1 <= sizes[stop] <= 3 else 0
            yield groups[index:stop + tail]
            index = stop
        else:
            index += 1
    for first in range(count - 2):
        if tuple(sizes[first:first + 3]) in _AMEX_DINERS:
            yield groups[first:first + 3]
    index = 0
    while index < count:
        if sizes[index] <= 2:
            stop = index
            while stop < count and sizes[stop] <= 2:
                stop += 1
            yield groups[index:stop]
            index = stop
        else:
            index += 1


def _hidden_positions(run: str, strict: bool = False) -> set[int]:
    """Positions in ``run`` of the digits masking hides (empty: no card number in it)."""
    groups = [m.span() for m in _GROUP.finditer(run)]
    segments: Iterator[list[tuple[int, int]]] = (
        iter([groups]) if strict else _card_like_segments(groups))
    hidden: set[int] = set()
    for segment in segments:
        positions = [p for start, end in segment for p in range(start, end)]
        if len(positions) < MIN_PAN_LENGTH:
            continue
        for index in _hidden_digits([_digit_value(run[p]) for p in positions]):
            hidden.add(positions[index])
    return hidden


def _mask_run(run: str) -> str:
    if len(run) < MIN_PAN_LENGTH:  # fewer characters than a card number has digits
        return run
    hidden = _hidden_positions(run)
    if not hidden:
        return run
    chars = list(run)
    for position in hidden:
        chars[position] = MASK_CHAR
    return "".join(chars)


_SEPARATOR = re.compile(SEPARATORS)


def trailing_run_start(text: str) -> int:
    """Where a run that ``text`` ends with begins (``len(text)`` if it ends with none).

    For writers that cut text into pieces: cut there, and a run that may continue in the
    next piece is kept whole. Linear: one walk back from the end.
    """
    start = len(text)
    position = len(text) - 1
    while position >= 0 and (text[position].isdecimal() or _SEPARATOR.match(text[position])):
        if text[position].isdecimal():
            start = position  # a run starts with a digit: separators before it are not in it
        position -= 1
    return start


def _runs(text: str, strict: bool = False) -> Iterator[re.Match[str]]:
    if strict:
        return _STRICT_RUN.finditer(text)
    return _RUN.finditer(_without_digests(text))  # as mask_text leaves digests exact


# --- track data ------------------------------------------------------------------------------

# Magnetic-stripe track layouts (ISO/IEC 7813): whatever follows the PAN is sensitive
# authentication data (expiry, service code, discretionary data with PVV/CVV) and goes whole.
# ASCII digits only: mask_pan takes ASCII, and other digits are masked as runs further on.
_TRACK2 = re.compile(r";?([0-9]{12,19})[=D][0-9]{4,}\??", re.ASCII)
_TRACK1 = re.compile(r"%?B([0-9]{12,19})\^[^^\n]{0,26}\^[^?\n]*\??", re.ASCII)


def redact_tracks(text: str) -> str:
    """``text`` with track 1 / track 2 data replaced by the masked PAN and a marker."""
    text = _TRACK1.sub(lambda m: f"B{mask_pan(m.group(1))}^<track data withheld>", text)
    return _TRACK2.sub(lambda m: f"{mask_pan(m.group(1))}=<track data withheld>", text)


# --- text ------------------------------------------------------------------------------------


class Digest(str):
    """A hex digest posdiag computed itself (``hashlib.sha256(data).hexdigest()``).

    The guards leave it as it is. About one SHA-256 in 60 holds a Luhn-valid window by
    chance, and a masked digest no longer names what it was made from; yet a digest cannot
    be made to hold a chosen card number (that is a preimage search). Only code that
    computes a digest makes one: text read from outside is never a Digest, and anything
    built from one (an f-string, a JSON file read back) is plain text again.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Digest:
        if not re.fullmatch(r"[0-9a-f]{32,128}", value):
            raise ValueError("a Digest is a lower-case hex digest")
        return super().__new__(cls, value)


def mask_text(text: str) -> str:
    """``text`` with track data withheld and the middle of every card number hidden.

    A whole lower-case hex digest in the text (``is_digest``) is left exact."""
    if isinstance(text, Digest) or not _DIGIT.search(text):
        return text
    if _TRACK_HINT.search(text):
        text = redact_tracks(text)
    # Runs are masked between digests, so a run before a digest ("SHA-256 3f…") cannot reach
    # into it either.
    pieces, start = [], 0
    for digest in _HEX_DIGEST.finditer(text):
        pieces += [_RUN.sub(_mask_match, text[start:digest.start()]), digest.group()]
        start = digest.end()
    pieces.append(_RUN.sub(_mask_match, text[start:]))
    return "".join(pieces)


def _mask_match(match: re.Match[str]) -> str:
    return _mask_run(match.group())


def holds_pan(text: str, *, strict: bool = False) -> bool:
    """True if ``text`` holds a card number (a run with a Luhn-valid 13-19 digit window).

    ``strict`` also joins digits across any single character that is not a letter G-Z
    (slashes, plus signs, hex nibbles A-F), and joins every group of a run whatever its
    size: for fields of a fixed form such as a journal's, where such a spelling can only be
    an attempt to smuggle a number through.
    """
    for match in _runs(text, strict):
        run = match.group()
        if len(run) >= MIN_PAN_LENGTH and _hidden_positions(run, strict):
            return True
    return False


def find_pans(text: str) -> list[str]:
    """The card numbers in ``text`` written whole (first digit not 0), as ASCII digits.

    Grouped and non-ASCII spellings count (``4761 7390 0101 0010`` gives ``4761739001010010``);
    a card number glued to other digits is not listed here but is masked by ``mask_text``.
    """
    found = []
    for match in _runs(text):
        run = match.group()
        groups = [m.span() for m in _GROUP.finditer(run)]
        in_run: list[str] = []  # one layout may contain another: a number counts once a run
        for segment in _card_like_segments(groups):
            digits = "".join(str(_digit_value(run[p])) for start, end in segment
                             for p in range(start, end))
            if (MIN_PAN_LENGTH <= len(digits) <= MAX_PAN_LENGTH and digits[0] != "0"
                    and luhn_valid(digits) and digits not in in_run):
                in_run.append(digits)
        found.extend(in_run)
    return found


def is_digest(text: str) -> bool:
    """True if ``text`` is, whole, what ``_HEX_DIGEST`` leaves exact: a hex digest."""
    return _HEX_DIGEST.fullmatch(text) is not None


def _without_digests(text: str) -> str:
    """``text`` with every whole hex digest replaced by a line break (which ends any run)."""
    return _HEX_DIGEST.sub("\n", text)


def assert_no_pans(text: str) -> list[str]:
    """Test helper: raise AssertionError if ``text`` holds a card number; return [] otherwise.

    Whole hex digests in the text (a SHA-256 a page shows, a run ID) are not findings: about
    one in 60 holds a Luhn-valid window by chance, and posdiag prints them exact on purpose
    (``Digest``). The message names the findings masked, so a failing test does not print
    the PAN itself.
    """
    text = _without_digests(text)
    found = [m.group() for m in _RUN.finditer(text) if _mask_run(m.group()) != m.group()]
    if found:
        shown = ", ".join(_mask_run(run) for run in found)
        raise AssertionError(f"card numbers found in text: {shown}")
    return found


# --- structures ------------------------------------------------------------------------------


def _masked_scalar(value: Any) -> Any:
    """A number whose decimal form holds a card number becomes its masked text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        text = str(value)
        masked = mask_text(text)
        return value if masked == text else masked
    return value


def mask_data(value: Any) -> Any:
    """``value`` (any JSON-able structure) with every card number masked, at any depth.

    Strings go through ``mask_text``; dict keys too (a key may be made of device text);
    an integer or float whose decimal form holds a card number becomes that form masked (a
    string). Lists, tuples and sets come back as lists. Anything else is returned as it is if
    its ``str`` holds no card number, else as that text masked. The input is not changed.

    This is the one guard for records, snapshots and cases: call it on the whole document
    right before it is serialised.
    """
    if isinstance(value, str):
        return mask_text(value)  # a Digest stays as it is
    if isinstance(value, dict):
        return {mask_data(key) if isinstance(key, str) else _masked_scalar(key): mask_data(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_data(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return _masked_scalar(value)
    text = str(value)
    masked = mask_text(text)
    return value if masked == text else masked


def pan_paths(value: Any, path: str = "$") -> list[str]:
    """Where in ``value`` card numbers sit, as JSON paths (``$.steps[2].message``).

    A key that holds one is named ``<key N>`` (its position), so no path repeats a number.
    For writers that refuse rather than mask.
    """
    if isinstance(value, str):
        return [path] if not isinstance(value, Digest) and holds_pan(value) else []
    if isinstance(value, dict):
        found = []
        for index, (key, item) in enumerate(value.items(), start=1):
            key_text = str(key)
            if holds_pan(key_text):
                found.append(f"{path}.<key {index}>")
                found.extend(pan_paths(item, f"{path}.<key {index}>"))
            else:
                found.extend(pan_paths(item, f"{path}.{key_text}"))
        return found
    if isinstance(value, list | tuple | set | frozenset):
        return [p for index, item in enumerate(value) for p in pan_paths(item, f"{path}[{index}]")]
    if isinstance(value, bool) or value is None:
        return []
    return [path] if holds_pan(str(value)) else []


# --- logging ---------------------------------------------------------------------------------


class MaskingFilter(logging.Filter):
    """Masks PANs in log records: message, arguments, exception and stack text.

    The message is formatted here (msg % args) and stored masked with ``args`` cleared, because
    masking arguments one by one would break ``%d`` for numeric PANs. Attach it to handlers
    (``handler.addFilter(MaskingFilter())``) so records from every logger pass through it.

    It never raises out of a logging call: if anything in masking fails (an argument whose
    ``__str__`` raises, say), the line is replaced by a note that it was withheld.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._mask(record)
        except Exception:  # a log call must never fail, nor leak
            from posdiag.i18n import _

            record.msg = _("[a log line was withheld: it could not be checked for card "
                           "numbers]")
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True

    @staticmethod
    def _mask(record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # A broken format string: logging would print msg and args raw in its error
            # report, so keep one masked line instead.
            message = f"{record.msg!s} % {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
