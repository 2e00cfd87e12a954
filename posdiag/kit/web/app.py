"""The kit's page as a Starlette application: four pages, live updates, one form.

    GET  /                Now: the cycle's state, the backup's progress
    GET  /prompts         Prompts: the question waiting, the plan's step and instruction
    POST /prompts/answer  an answer (CSRF token required), then back to /prompts
    GET  /cases           Cases: the kit's repair cases and their documents
    GET  /kit             Kit: version, key fingerprint, free space, last errors
    GET  /events          Server-Sent Events: the live regions of a page when they change
    GET  /fragment        the same regions once (the page polls it without EventSource)
    GET  /static/…        style sheet and script (the only paths open without the secret)

``Guard`` (ASGI middleware) admits a request only with the kit's secret (``?k=``, answered
with a session cookie and a redirect) or that cookie, counts and limits failures, and puts
the security headers on every response. Nothing served comes from anywhere but the files of
channel.py, the stick's case folders and posdiag's own package: no card data (the kit masks
before it writes) and no key material (only the kit's public key is ever in those files).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from posdiag import __version__
from posdiag.cards import mask_text
from posdiag.i18n import N_, _, ngettext, use_language
from posdiag.kit.web.auth import COOKIE, CSRF_FIELD, QUERY_KEY, FailedAttempts, Keys
from posdiag.kit.web.channel import file_version
from posdiag.kit.web.language import negotiate
from posdiag.kit.web.prompts import (
    ALREADY,
    ANSWERED,
    GONE,
    INVALID,
    NOTICE_FILE,
    PROMPT_FILE,
    answer_prompt,
    current_notice,
    current_prompt,
)
from posdiag.kit.web.status import STATUS_FILE, read_status
from posdiag.kit.web.views import (
    STATES,
    fingerprint,
    moment_text,
    notice_view,
    now_view,
    prompt_view,
    stick_space,
)

log = logging.getLogger("posdiag.kit.web")

HTML_LANG = {"en": "en", "zh_CN": "zh-CN"}
SESSION_DAYS = 30
MAX_FORM_BYTES = 8192
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
TABS = (("now", N_("Now"), "/"), ("prompts", N_("Prompts"), "/prompts"),
        ("cases", N_("Cases"), "/cases"), ("kit", N_("Kit"), "/kit"))
FLASH = {ANSWERED: (N_("Answer sent to the test."), "ok"),
         ALREADY: (N_("This question was already answered."), "warn"),
         GONE: (N_("This question is no longer waiting (answered elsewhere or out of time)."),
                "warn"),
         INVALID: (N_("That answer is not possible here; answer again."), "warn")}
LIVE_VIEWS = {"now": (STATUS_FILE, PROMPT_FILE), "prompts": (PROMPT_FILE, NOTICE_FILE)}

ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]],
                    Callable[[MutableMapping[str, Any]], Awaitable[None]]], Awaitable[None]]


@dataclass
class KitSite:
    """Everything the pages read: the channel folder, the secret's keys, the stick."""

    folder: Path
    keys: Keys
    media: Callable[[], Path | None] = lambda: None  # the stick's folder now, if any
    cases: Callable[[Path | None], list[Any]] = lambda media: []  # cases.py
    attempts: FailedAttempts = field(default_factory=FailedAttempts)
    poll: float = 0.5  # seconds between looks at the channel files (per live page)
    refresh: float = 5.0  # regions are sent at least this often (keepalive, staleness)


@cache
def environment() -> Environment:
    """The kit page's templates, with the documents' templates beside them (style, blocks)."""
    from posdiag.documents.html import block_kind

    env = Environment(
        loader=ChoiceLoader([PackageLoader("posdiag.kit.web", "templates"),
                             PackageLoader("posdiag.documents", "templates")]),
        autoescape=True, undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_, ngettext=ngettext, newstyle=False)
    env.globals.update(block_kind=block_kind)
    return env


def render(name: str, language: str, **context: Any) -> str:
    with use_language(language):
        return environment().get_template(name).render(html_lang=HTML_LANG[language],
                                                        **context)


def language_of(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


# --- pages ---------------------------------------------------------------------------------


def _page(site: KitSite, request: Request, view: str, template: str, title: str,
          **context: Any) -> HTMLResponse:
    language = language_of(request)
    with use_language(language):
        tabs = [(name, _(label), href) for name, label, href in TABS]
        title_text = _(title)
    asking = current_prompt(site.folder) is not None
    html = render(template, language, view=view, tabs=tabs, title=title_text,
                  live=view in LIVE_VIEWS, asking=asking, **context)
    return HTMLResponse(html)


def regions(site: KitSite, view: str, language: str) -> dict[str, dict[str, str]]:
    """The live regions of a page: id -> {key, html} (the key changes when the content does)."""
    prompt = current_prompt(site.folder)
    with use_language(language):
        if view == "now":
            status = read_status(site.folder)
            now = now_view(status, prompt)
            key = f"{status.get('seq') if status else 0}-{now.asking:d}-{now.stale:d}"
            return {"now": {"key": key, "html": render("_now.html.j2", language, now=now,
                                                       key=key)}}
        notice_doc = current_notice(site.folder)
        shown = prompt_view(prompt)
        notice = notice_view(notice_doc)
        notice_key = str(notice_doc.get("updated")) if notice_doc else "none"
        return {
            "prompt": {"key": shown.nonce if shown else "none",
                       "html": render("_prompt.html.j2", language, prompt=shown,
                                      csrf=site.keys.csrf)},
            "notice": {"key": notice_key,
                       "html": render("_notice.html.j2", language, notice=notice,
                                      notice_key=notice_key)},
        }


def build_routes(site: KitSite) -> list[Route]:
    async def now_page(request: Request) -> Response:
        language = language_of(request)
        with use_language(language):
            now = now_view(read_status(site.folder), current_prompt(site.folder))
        region = regions(site, "now", language)["now"]
        return _page(site, request, "now", "now.html.j2", N_("Now"), now=now,
                     key=region["key"])

    async def prompts_page(request: Request) -> Response:
        language = language_of(request)
        flash, tone = FLASH.get(request.query_params.get("sent", ""), ("", ""))
        with use_language(language):
            prompt = prompt_view(current_prompt(site.folder))
            notice_doc = current_notice(site.folder)
            notice = notice_view(notice_doc)
            flash_text = _(flash) if flash else ""
        return _page(site, request, "prompts", "prompts.html.j2", N_("Prompts"),
                     prompt=prompt, notice=notice, csrf=site.keys.csrf, flash=flash_text,
                     flash_tone=tone,
                     notice_key=str(notice_doc.get("updated")) if notice_doc else "none")

    async def answer(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is None or not length.isdigit() or int(length) > MAX_FORM_BYTES:
            return PlainTextResponse("form too large or without a length", status_code=413)
        form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FORM_BYTES)
        try:
            token = form.get(CSRF_FIELD)
            if not isinstance(token, str) or not site.keys.csrf_ok(token):
                log.warning(_("kit page: a form without a valid CSRF token from "
                              "{client} was refused").format(client=_client(request.scope)))
                return _denied(request, 403, N_("Refused"),
                               N_("This form did not come from the kit's own page. Open the "
                                  "page again and answer there."))
            values = {name: form.get(name) for name in ("nonce", "answer", "reason", "text")}
            if not all(isinstance(v, str) or v is None for v in values.values()):
                outcome = INVALID
            else:
                outcome = answer_prompt(site.folder, str(values["nonce"] or ""),
                                        str(values["answer"] or ""),
                                        reason=str(values["reason"] or ""),
                                        text=str(values["text"] or ""))
        finally:
            await form.close()
        log.info("kit page: answer from %s: %s", _client(request.scope), outcome)
        return RedirectResponse("/prompts?" + urlencode({"sent": outcome}), status_code=303)

    async def cases_page(request: Request) -> Response:
        media = site.media()
        with use_language(language_of(request)):
            cases = site.cases(media)
        return _page(site, request, "cases", "cases.html.j2", N_("Cases"),
                     cases=cases, media=str(media) if media else "")

    async def case_document(request: Request) -> Response:
        from posdiag.kit.web.cases import document_path

        path = document_path(site.media(), request.path_params["case"],
                             request.path_params["name"])
        if path is None:
            return PlainTextResponse("no such document", status_code=404)
        return FileResponse(path, media_type="application/pdf", filename=path.name)

    async def kit_page(request: Request) -> Response:
        language = language_of(request)
        status = read_status(site.folder) or {}
        facts = status.get("facts") or {}
        media = site.media()
        with use_language(language):
            free, total = stick_space(media)
            offered = facts.get("kit_key")
            # A minisign public key, or nothing at all.
            key = offered if isinstance(offered, str) and fingerprint(offered) != "—" else ""
            rows = [
                (_("posdiag version"), __version__),
                (_("Kit key fingerprint"),
                 fingerprint(key) if key else _("known after the first backup")),
                (_("Kit public key"), key or "—"),
                (_("Stick"), str(media) if media else _("no stick")),
                (_("Free on the stick"),
                 _("{free} of {total}").format(free=free, total=total) if media else "—"),
                (_("Failed sign-ins (last 5 minutes)"), str(site.attempts.recent)),
            ]
            errors = []
            for entry in reversed(status.get("errors") or []):
                if not isinstance(entry, dict):
                    continue
                state = str(entry.get("state"))
                title = _(STATES[state][0]) if state in STATES else state
                errors.append((moment_text(entry.get("at")), title,
                               mask_text(str(entry.get("message", "")))))
        return _page(site, request, "kit", "kit.html.j2", N_("Kit"), facts=rows,
                     errors=errors)

    async def fragment(request: Request) -> Response:
        view = request.query_params.get("view", "now")
        if view not in LIVE_VIEWS:
            return PlainTextResponse("no such view", status_code=404)
        return JSONResponse(regions(site, view, language_of(request)))

    async def events(request: Request) -> Response:
        view = request.query_params.get("view", "now")
        if view not in LIVE_VIEWS:
            return PlainTextResponse("no such view", status_code=404)
        language = language_of(request)
        watched = [site.folder / name for name in LIVE_VIEWS[view]]

        async def stream() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            seen: object = None
            sent = 0.0
            while True:
                versions = tuple(file_version(path) for path in watched)
                now = time.monotonic()
                if versions != seen or now - sent >= site.refresh:
                    seen, sent = versions, now
                    data = json.dumps(regions(site, view, language), ensure_ascii=False)
                    yield f"event: regions\ndata: {data}\n\n"
                await anyio.sleep(site.poll)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"x-accel-buffering": "no"})

    return [
        Route("/", now_page, methods=["GET"]),
        Route("/prompts", prompts_page, methods=["GET"]),
        Route("/prompts/answer", answer, methods=["POST"]),
        Route("/cases", cases_page, methods=["GET"]),
        Route("/cases/{case}/{name}", case_document, methods=["GET"]),
        Route("/kit", kit_page, methods=["GET"]),
        Route("/fragment", fragment, methods=["GET"]),
        Route("/events", events, methods=["GET"]),
        Route("/static/kit.css", static_css, methods=["GET"]),
        Route("/static/kit.js", static_js, methods=["GET"]),
    ]


@cache
def _css() -> str:
    return environment().get_template("kit.css.j2").render()


@cache
def _js() -> bytes:
    from importlib.resources import files

    return files("posdiag.kit.web").joinpath("static", "kit.js").read_bytes()


async def static_css(request: Request) -> Response:
    return Response(_css(), media_type="text/css")


async def static_js(request: Request) -> Response:
    return Response(_js(), media_type="text/javascript")


def _denied(request: Request, status: int, title: str, text: str,
            headers: dict[str, str] | None = None) -> HTMLResponse:
    language = language_of(request)
    with use_language(language):
        html = render("denied.html.j2", language, title=_(title), text=_(text))
    return HTMLResponse(html, status_code=status, headers=headers)


def _client(scope: MutableMapping[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


# --- the guard -----------------------------------------------------------------------------


class Guard:
    """Admits requests that carry the kit's secret or its session cookie; adds the security
    headers to every response."""

    def __init__(self, app: ASGIApp, site: KitSite) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        response = self.check(Request(scope))
        if response is not None:
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def check(self, request: Request) -> Response | None:
        """None to let the request through; else the response that refuses (or signs in)."""
        if request.method not in ("GET", "HEAD", "POST"):
            return PlainTextResponse("method not allowed", status_code=405)
        if request.url.path.startswith("/static/") and request.method in ("GET", "HEAD"):
            return None
        keys, attempts = self.site.keys, self.site.attempts
        client = _client(request.scope)
        offered = request.query_params.get(QUERY_KEY)
        cookie = request.cookies.get(COOKIE)
        cookie_ok = cookie is not None and keys.session_ok(cookie)
        if offered is None and cookie_ok:
            return None
        if offered is not None or cookie is not None:
            wait = attempts.blocked_for(client)
            if wait > 0:
                return _denied(request, 429, N_("Too many wrong keys"),
                               N_("This phone gave a wrong key too often. Wait a few minutes, "
                                  "then scan the QR code on the kit's label again."),
                               headers={"retry-after": str(int(wait) + 1)})
        if offered is not None:
            if not keys.secret_ok(offered):
                attempts.failed(client, "a wrong key in the address")
                return self._unauthorised(request)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY_KEY]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, keys.session, max_age=SESSION_DAYS * 86400,
                                httponly=True, samesite="strict", path="/")
            log.info("kit page: a phone at %s signed in with the kit's key", client)
            return response
        if cookie is not None:
            attempts.failed(client, "a wrong session cookie")
        return self._unauthorised(request)

    def _unauthorised(self, request: Request) -> Response:
        return _denied(request, 401, N_("This kit's page needs its key"),
                       N_("Scan the QR code on the kit's label with this phone, or open the "
                          "address printed by `posdiag kit install`."))


def create_app(site: KitSite) -> ASGIApp:
    return Guard(Starlette(routes=build_routes(site)), site)
