"""Operator prompts between a plan run (`posdiag test --kit-page DIR`) and the kit's page.

One prompt at a time, as files in the page folder (channel.py):

1. The plan writes ``prompt.json``: a fresh random nonce, the prompt's id, kind ("confirm" for
   yes/no, "enter" for a typed answer, "choose" for one of its ``choices``: retry / skip /
   abort after a slip of the person), text, timeout and deadline (Unix time).
2. The page shows it with the countdown. An answer from the phone is checked against the
   prompt (same nonce, an allowed answer, short printable text) and written as
   ``answer-<nonce>.json`` with link(2), so the first answer wins and a second one is told
   the question was already answered.
3. The plan polls for that file, checks it once more, removes both files and goes on. Past
   the deadline it removes ``prompt.json`` and the step fails as unanswered.

``notice.json`` tells the page what the plan is doing without asking: the plan and step,
the last instruction ("swipe the card now", with its deadline) and the terminal's display.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posdiag.cards import mask_text
from posdiag.i18n import _
from posdiag.kit.web.channel import create_json, ensure_dir, read_json, write_json

PROMPT_FILE = "prompt.json"
NOTICE_FILE = "notice.json"
PROMPT_FORMAT = "posdiag-kit-prompt"
ANSWER_FORMAT = "posdiag-kit-answer"
NOTICE_FORMAT = "posdiag-kit-notice"
KINDS = ("confirm", "enter", "choose")
# What a "choose" prompt may offer: the runner's answers after a slip (posdiag.plan.runner).
CHOICES = ("retry", "skip", "abort")
MAX_REASON = 200  # characters of a "no" answer's reason
MAX_TEXT = 64  # characters of a typed answer (a serial number is about 8 to 20)
_NONCE = re.compile(r"[0-9a-f]{32}")


def clean_text(text: str, limit: int) -> str:
    """What a person typed, safe to record: control and format characters dropped, spaces
    collapsed, cut to ``limit`` characters, card numbers masked."""
    kept = "".join(" " if unicodedata.category(c) in ("Zl", "Zp") or c in "\t\r\n" else c
                   for c in text if unicodedata.category(c)[0] != "C" or c in "\t\r\n")
    return mask_text(" ".join(kept.split())[:limit])


def answer_path(folder: Path, nonce: str) -> Path:
    if not _NONCE.fullmatch(nonce):
        raise ValueError(_("not a prompt nonce"))
    return folder / f"answer-{nonce}.json"


# --- the plan's side ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageAnswer:
    answer: str  # "yes", "no", "entered", or one of a choose prompt's choices
    reason: str
    text: str


class PromptExchange:
    """The plan run's end of the channel: post a prompt, wait for its answer, post notices."""

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, poll: float = 0.2) -> None:
        self.folder = ensure_dir(folder)
        self._clock, self._sleep, self._poll = clock, sleep, poll
        self.notice_doc: dict[str, Any] = {"format": NOTICE_FORMAT}

    def ask(self, prompt_id: str, kind: str, text: str, timeout: float, *,
            step: str = "", item: str = "",
            choices: tuple[str, ...] = ()) -> PageAnswer | None:
        """Post the prompt and wait for the page's answer; None when the deadline passed."""
        if kind not in KINDS:
            raise ValueError(_("unknown prompt kind {kind!r}").format(kind=kind))
        if (kind == "choose") != bool(choices) or not set(choices) <= set(CHOICES):
            raise ValueError(_("a choose prompt offers some of {choices}, nothing else "
                               "does").format(choices=CHOICES))
        nonce = secrets.token_hex(16)
        asked = self._clock()
        write_json(self.folder / PROMPT_FILE, {
            "format": PROMPT_FORMAT, "nonce": nonce, "id": prompt_id, "kind": kind,
            "text": mask_text(text), "timeout": timeout, "asked": asked,
            "deadline": asked + timeout, "step": step, "item": item,
            "choices": list(choices)})
        path = answer_path(self.folder, nonce)
        try:
            while True:
                document = read_json(path)
                if document is not None:
                    answer = _checked_answer(document, nonce, kind, choices)
                    if answer is not None:
                        return answer
                    path.unlink()  # not a valid answer: wait for another one
                if self._clock() >= asked + timeout:
                    return None
                self._sleep(self._poll)
        finally:
            self._withdraw(nonce)

    def _withdraw(self, nonce: str) -> None:
        with contextlib.suppress(OSError):
            answer_path(self.folder, nonce).unlink()
        current = read_json(self.folder / PROMPT_FILE)
        if current is not None and current.get("nonce") == nonce:
            with contextlib.suppress(OSError):
                (self.folder / PROMPT_FILE).unlink()

    def notice(self, **fields: Any) -> None:
        """Update what the page shows about the run (plan, step, instruction, display)."""
        self.notice_doc.update({k: mask_text(v) if isinstance(v, str) else v
                                for k, v in fields.items()})
        self.notice_doc["updated"] = self._clock()
        with contextlib.suppress(OSError):
            write_json(self.folder / NOTICE_FILE, self.notice_doc)

    def close(self) -> None:
        """The run is over: nothing is asked or announced any more."""
        for name in (PROMPT_FILE, NOTICE_FILE):
            with contextlib.suppress(OSError):
                (self.folder / name).unlink()


def _checked_answer(document: dict[str, Any], nonce: str, kind: str,
                    choices: tuple[str, ...] = ()) -> PageAnswer | None:
    if document.get("format") != ANSWER_FORMAT or document.get("nonce") != nonce:
        return None
    answer, reason, text = (document.get("answer"), document.get("reason", ""),
                            document.get("text", ""))
    if not isinstance(reason, str) or not isinstance(text, str):
        return None
    if kind == "confirm" and answer in ("yes", "no"):
        return PageAnswer(answer, clean_text(reason, MAX_REASON), "")
    if kind == "enter" and answer == "entered" and clean_text(text, MAX_TEXT):
        return PageAnswer(answer, "", clean_text(text, MAX_TEXT))
    if kind == "choose" and answer in choices:
        return PageAnswer(str(answer), "", "")
    return None


def prompt_choices(document: dict[str, Any]) -> tuple[str, ...] | None:
    """A prompt's choices as posted; None when they are not well-formed for its kind."""
    choices = document.get("choices", [])
    if not isinstance(choices, list) or not all(c in CHOICES for c in choices):
        return None
    if (document.get("kind") == "choose") != bool(choices):
        return None
    return tuple(choices)


# --- the page's side ----------------------------------------------------------------------


def current_prompt(folder: Path, now: float | None = None) -> dict[str, Any] | None:
    """The prompt waiting for an answer, or None (none, expired, or not well-formed)."""
    document = read_json(folder / PROMPT_FILE)
    if document is None or document.get("format") != PROMPT_FORMAT:
        return None
    nonce, kind, deadline = document.get("nonce"), document.get("kind"), document.get("deadline")
    if (not isinstance(nonce, str) or not _NONCE.fullmatch(nonce) or kind not in KINDS
            or not isinstance(deadline, int | float) or not isinstance(document.get("text"), str)
            or prompt_choices(document) is None):
        return None
    if (time.time() if now is None else now) >= deadline:
        return None
    return document


def current_notice(folder: Path) -> dict[str, Any] | None:
    document = read_json(folder / NOTICE_FILE)
    if document is None or document.get("format") != NOTICE_FORMAT:
        return None
    return document


# What answer_prompt found.
ANSWERED, GONE, ALREADY, INVALID = "answered", "gone", "already", "invalid"


def answer_prompt(folder: Path, nonce: str, answer: str, *, reason: str = "",
                  text: str = "", now: float | None = None) -> str:
    """Record the phone's answer to the prompt ``nonce``; returns ANSWERED, GONE (no such
    prompt waits any more), ALREADY (answered before) or INVALID (not an allowed answer)."""
    prompt = current_prompt(folder, now)
    if prompt is None or not secrets.compare_digest(str(prompt["nonce"]), nonce):
        return GONE
    document: dict[str, Any] = {"format": ANSWER_FORMAT, "nonce": prompt["nonce"],
                                "answer": answer}
    if prompt["kind"] == "confirm":
        if answer not in ("yes", "no"):
            return INVALID
        document["reason"] = clean_text(reason, MAX_REASON) if answer == "no" else ""
    elif prompt["kind"] == "choose":
        if answer not in (prompt_choices(prompt) or ()):
            return INVALID
    else:
        document["text"] = clean_text(text, MAX_TEXT)
        if answer != "entered" or not document["text"]:
            return INVALID
    if not create_json(answer_path(folder, prompt["nonce"]), document):
        return ALREADY
    return ANSWERED
