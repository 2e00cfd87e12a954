"""The "kit-page" operator: a plan run on the kit asks the technician's phone.

`posdiag test --kit-page DIR` (the kit passes it while `posdiag kit serve` runs) uses this
backend beside the console, answers-file and emulator ones. Yes/no questions and typed
answers (the serial number on the label) are posted to the page and wait there with their
countdown; the record names ``kit-page`` as who answered. Instructions (swipe, PIN) are shown
on the page and return at once, as on the console; with a ``sim`` port the emulated person
still acts at the emulated terminal (``actor``), since no finger can swipe a virtual card.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from posdiag.i18n import _
from posdiag.kit.web.prompts import PageAnswer, PromptExchange
from posdiag.plan.operator import Answer, Operator, Prompt, PromptUnanswered

KIT_PAGE = "kit-page"


class KitPageOperator:
    name = KIT_PAGE

    def __init__(self, exchange: PromptExchange, actor: Operator | None = None) -> None:
        self.exchange = exchange
        self.actor = actor

    @classmethod
    def for_folder(cls, folder: Path, actor: Operator | None = None) -> KitPageOperator:
        return cls(PromptExchange(folder), actor)

    def instruct(self, prompt: Prompt) -> Answer:
        self.exchange.notice(instruction=prompt.text,
                             instruction_deadline=time.time() + prompt.timeout)
        if self.actor is not None:
            return self.actor.instruct(prompt)
        return Answer("done", self.name)

    def confirm(self, prompt: Prompt) -> Answer:
        got = self._ask(prompt, "confirm")
        return Answer(got.answer, self.name, got.reason or
                      ("" if got.answer == "yes" else "operator answered no"))

    def enter(self, prompt: Prompt) -> Answer:
        """A typed answer (the serial number on the label of an arriving terminal)."""
        got = self._ask(prompt, "enter")
        return Answer(got.answer, self.name, "", got.text)

    def choose(self, prompt: Prompt) -> Answer:
        """After a slip of the person: retry, skip or abort, tapped on the phone."""
        got = self._ask(prompt, "choose")
        return Answer(got.answer, self.name)

    def show_status(self, text: str) -> None:
        self.exchange.notice(display=text)

    def _ask(self, prompt: Prompt, kind: str) -> PageAnswer:
        step = prompt.id.rsplit(".", 1)[0]
        got = self.exchange.ask(prompt.id, kind, prompt.text, prompt.timeout, step=step,
                                item=getattr(prompt, "item", ""),
                                choices=tuple(prompt.choices) if kind == "choose" else ())
        if got is None:
            raise PromptUnanswered(_("nobody answered {question!r} on the kit's page within "
                                     "{seconds:.0f} s; run the step again.").format(
                                         question=prompt.text, seconds=prompt.timeout))
        return got

    def close(self) -> None:
        self.exchange.close()


class KitPageRun:
    """What `posdiag test --kit-page DIR` adds to a run: the operator (built once the bench
    is known, so a sim port's emulated person can act) and a listener that tells the page
    which plan and step are running, and clears the page when the run ends."""

    def __init__(self, folder: Path) -> None:
        self.exchange = PromptExchange(folder)

    def operator(self, bench: Any) -> KitPageOperator:
        actor = None
        if getattr(bench, "emulator", None) is not None:
            from posdiag.plan.operator import EmulatorOperator

            actor = EmulatorOperator(bench.emulator)
        return KitPageOperator(self.exchange, actor)

    def __call__(self, event: Any) -> None:
        from posdiag.plan.runner import RunFinished, RunStarted, StepStarted

        if isinstance(event, RunStarted):
            self.exchange.notice(plan=event.plan.name, steps=len(event.plan.steps), index=0,
                                 step="", instruction=None, display=None)
        elif isinstance(event, StepStarted):
            self.exchange.notice(step=event.spec.name, index=event.index + 1, instruction=None,
                                 display=None)
        elif isinstance(event, RunFinished):
            self.exchange.close()
