"""What each page says, in the language active while it is built (``use_language``).

The files the kit writes carry states, numbers and Unix times; the words come from here:
a title and what to do for every kit state, sizes, rates and durations as people read them.
Every string is translated through posdiag's catalogs; text from the files passes the PAN
mask once more here (the writers mask already: this is the page's own guard), and
autoescaping makes it text.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from posdiag.cards import mask_text
from posdiag.i18n import N_, _, current_language
from posdiag.i18n_format import format_datetime, format_duration, format_number

# state -> (title, what to do, tone). Tones: busy, ok, warn, fail, idle.
STATES: dict[str, tuple[str, str, str]] = {
    "waiting": (N_("Waiting for a terminal and a stick"),
                N_("Plug the terminal's cable and a USB stick into the kit."), "idle"),
    "config-invalid": (N_("The kit's settings are wrong"),
                       N_("Fix /etc/posdiag/kit.toml as the message says; the kit carries on "
                          "by itself once the file is right."), "fail"),
    "identifying": (N_("Identifying the terminal"), N_("Do not unplug anything."), "busy"),
    "backing-up": (N_("Backing up"), N_("Do not unplug anything."), "busy"),
    "verifying": (N_("Verifying the backup"), N_("Do not unplug anything."), "busy"),
    "testing": (N_("Running the acceptance test"),
                N_("Answer the questions under Prompts. Do not unplug anything."), "busy"),
    "test-failed": (N_("The acceptance test failed"),
                    N_("The backup itself is fine. The test record is on the stick; see the "
                       "message for what failed."), "warn"),
    "syncing": (N_("Writing the last data to the stick"), N_("Do not pull the stick yet."),
                "busy"),
    "safe-to-remove": (N_("Safe to pull the stick"),
                       N_("The backup is verified and the stick is powered off. Pull the "
                          "stick, then unplug the terminal."), "ok"),
    "done": (N_("Verified, but unmount the stick by hand"),
             N_("The backup is verified, but the stick could not be powered off. Unmount it "
                "before you pull it."), "warn"),
    "failed": (N_("Error"),
               N_("The kit tries again in 30 seconds and resumes the backup. If it fails "
                  "again, check the cable and the stick."), "fail"),
}
UNKNOWN = (N_("No news from the kit yet"),
           N_("The kit service has not said anything yet. Is it running? (systemctl status "
              "posdiag-kit)"), "idle")
BUSY_STATES = frozenset({"identifying", "backing-up", "verifying", "testing", "syncing"})


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def size_text(count: float | None) -> str:
    """Bytes as people read them: 512 B, 12.3 KB, 4.6 MB, 1.20 GB (powers of 1000)."""
    if count is None:
        return "—"
    language = current_language()
    for limit, unit, digits in ((1e9, "GB", 2), (1e6, "MB", 1), (1e3, "KB", 1)):
        if count >= limit:
            return _("{number} {unit}").format(number=format_number(count / limit, digits,
                                                                     language), unit=unit)
    return _("{number} {unit}").format(number=format_number(count, 0, language), unit="B")


def moment_text(epoch: Any) -> str:
    if not isinstance(epoch, int | float):
        return "—"
    return format_datetime(datetime.fromtimestamp(epoch, UTC), current_language())


@dataclass(frozen=True, slots=True)
class Progress:
    percent: float | None
    done: str
    total: str
    records: str
    rate: str
    eta: str


def progress_view(progress: Any) -> Progress | None:
    if not isinstance(progress, dict):
        return None
    done, total = progress.get("done"), progress.get("total")
    records, rate, eta = progress.get("records"), progress.get("rate"), progress.get("eta")
    numbers = all(isinstance(v, int | float) or v is None for v in (done, total, records,
                                                                      rate, eta))
    if not numbers or not isinstance(done, int | float):
        return None
    language = current_language()
    percent = (min(100.0, 100.0 * done / total) if isinstance(total, int | float) and total > 0
               else None)
    return Progress(
        percent=round(percent, 1) if percent is not None else None,
        done=size_text(done), total=size_text(total),
        records=format_number(records or 0, 0, language),
        rate=(_("{size}/s").format(size=size_text(rate)) if rate else "—"),
        eta=format_duration(eta, language) if eta is not None else "—")


@dataclass(frozen=True, slots=True)
class NowView:
    state: str
    title: str
    todo: str
    tone: str
    message: str
    since: str
    progress: Progress | None
    stale: bool  # a busy state, but the process that wrote it is gone
    asking: bool  # a prompt waits on the Prompts page


def now_view(status: dict[str, Any] | None, prompt: dict[str, Any] | None) -> NowView:
    state = str(status.get("state")) if status else ""
    title, todo, tone = STATES.get(state, UNKNOWN)
    from posdiag.kit.signals import said_in_current_language

    message = ((said_in_current_language(status) or status.get("message", "")) if status
               else "")
    stale = bool(status) and state in BUSY_STATES and not pid_alive(status.get("pid")
                                                                    if status else None)
    return NowView(
        state=state or "unknown", title=_(title), todo=_(todo), tone=tone,
        message=mask_text(message) if isinstance(message, str) else "",
        since=moment_text(status.get("since")) if status else "—",
        progress=progress_view(status.get("progress")) if state == "backing-up" and status
        else None,
        stale=stale, asking=prompt is not None)


@dataclass(frozen=True, slots=True)
class PromptView:
    nonce: str
    kind: str  # confirm, enter or choose
    text: str
    step: str
    remaining: float  # seconds left, counted down on the phone from when the page arrives
    choices: tuple[str, ...] = ()  # choose: retry / skip / abort, in the order offered


@dataclass(frozen=True, slots=True)
class NoticeView:
    plan: str
    step: str
    position: str  # "step 3 of 8"
    instruction: str
    instruction_remaining: float | None
    display: str


def prompt_view(prompt: dict[str, Any] | None, now: float | None = None) -> PromptView | None:
    if prompt is None:
        return None
    now = time.time() if now is None else now
    return PromptView(nonce=str(prompt["nonce"]), kind=str(prompt["kind"]),
                      text=mask_text(str(prompt["text"])),
                      step=mask_text(str(prompt.get("step") or "")),
                      remaining=max(0.0, round(float(prompt["deadline"]) - now, 1)),
                      choices=tuple(str(c) for c in prompt.get("choices") or ()))


def notice_view(notice: dict[str, Any] | None, now: float | None = None) -> NoticeView | None:
    if notice is None:
        return None
    now = time.time() if now is None else now

    def text(key: str) -> str:
        value = notice.get(key)
        return mask_text(value) if isinstance(value, str) else ""

    index, steps = notice.get("index"), notice.get("steps")
    position = (_("step {index} of {count}").format(index=index, count=steps)
                if isinstance(index, int) and isinstance(steps, int) and index > 0 else "")
    deadline = notice.get("instruction_deadline")
    remaining = (max(0.0, round(deadline - now, 1))
                 if isinstance(deadline, int | float) and text("instruction") else None)
    return NoticeView(plan=text("plan"), step=text("step"), position=position,
                      instruction=text("instruction"), instruction_remaining=remaining,
                      display=text("display"))


def stick_space(media: Path | None) -> tuple[str, str]:
    """(free, total) on the stick, or dashes when no stick is there."""
    if media is None:
        return "—", "—"
    try:
        usage = shutil.disk_usage(media)
    except OSError:
        return "—", "—"
    return size_text(usage.free), size_text(usage.total)


def fingerprint(public_key: str) -> str:
    """A minisign public key ("RW…") as people compare it: its key ID, as minisign prints
    it, in groups of four."""
    from posdiag.backup.manifest import parse_public_key
    from posdiag.errors import VerificationError

    try:
        key_id, _raw = parse_public_key(public_key)
    except VerificationError:
        return "—"
    shown = key_id[::-1].hex().upper()  # minisign shows the little-endian 64-bit ID
    return " ".join(shown[i:i + 4] for i in range(0, 16, 4))
