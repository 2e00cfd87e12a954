"""Who may use the kit's page: whoever holds the kit's secret (the QR code on its label).

The secret is made once, by `posdiag kit install` (``/etc/posdiag/kit-web.secret``, 0640,
root:posdiag: the server can read it, not change it). The label's URL carries it as
``?k=…``; the server compares it in constant time, answers with a session cookie
(HttpOnly, SameSite=Strict) and redirects to the same page without it, so the secret does
not stay in the address bar or the history. The cookie and the CSRF token that every form
carries are HMACs of the secret: no server-side session store, nothing lost on a restart,
and a new secret ends every session at once.

Wrong secrets or cookies are counted per client address and for the whole kit; past the
limits the server answers 429 until the window has passed, so a phone on the kit's Wi-Fi
cannot guess at network speed (a 192-bit secret cannot be guessed anyway: the limit keeps
the log readable and the Pi idle).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posdiag.errors import UsageError
from posdiag.i18n import _

SECRET_PATH = Path("/etc/posdiag/kit-web.secret")
SECRET_BYTES = 24  # 192 bits, 32 URL-safe characters
COOKIE = "posdiag_kit"
CSRF_FIELD = "csrf"
QUERY_KEY = "k"

log = logging.getLogger("posdiag.kit.web")


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def write_secret(path: Path, secret: str, group_id: int | None = None) -> None:
    """Create the secret file (0640, or 0600 without a group); refuses to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        if group_id is not None:
            os.fchown(fd, 0, group_id)
            os.fchmod(fd, 0o640)
        os.write(fd, (secret + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_secret(path: Path = SECRET_PATH) -> str:
    """The kit's secret; UsageError (one sentence) when it is missing or unusable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise UsageError(_("The kit page's secret {path} does not exist; run `sudo posdiag kit "
                           "install` to make it.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(_("The kit page's secret {path} cannot be read ({error}); run the "
                           "server as the user posdiag.").format(path=path, error=err)) from err
    if len(text) < 22 or not all(c.isalnum() or c in "-_" for c in text):
        raise UsageError(_("The kit page's secret {path} is not one `posdiag kit install` "
                           "made; move it away and install again.").format(path=path))
    return text


def kit_url(host: str, port: int, secret: str) -> str:
    """The address on the kit's label: opening it signs the phone in."""
    shown = f"[{host}]" if ":" in host else host
    suffix = "" if port == 80 else f":{port}"
    return f"http://{shown}{suffix}/?{QUERY_KEY}={secret}"


@dataclass(frozen=True, slots=True)
class Keys:
    """The tokens derived from the kit's secret."""

    secret: str

    def _derive(self, purpose: bytes) -> str:
        mac = hmac.new(self.secret.encode("ascii"), b"posdiag-kit-web/" + purpose,
                       hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    @property
    def session(self) -> str:
        return self._derive(b"session/v1")

    @property
    def csrf(self) -> str:
        return self._derive(b"csrf/v1")

    def secret_ok(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self.secret.encode())

    def session_ok(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self.session.encode())

    def csrf_ok(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self.csrf.encode())


class FailedAttempts:
    """Counts wrong secrets per client address and for the whole kit, in a sliding window.

    Memory is bounded: at most ``max_clients`` addresses are remembered (the oldest go)."""

    def __init__(self, per_client: int = 5, overall: int = 30, window: float = 300.0,
                 max_clients: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_client, self.overall, self.window = per_client, overall, window
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, list[float]] = OrderedDict()
        self._all: list[float] = []

    def _prune(self, now: float) -> None:
        self._all = [t for t in self._all if now - t < self.window]
        for client in list(self._clients):
            times = [t for t in self._clients[client] if now - t < self.window]
            if times:
                self._clients[client] = times
            else:
                del self._clients[client]

    def blocked_for(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        now = self._clock()
        self._prune(now)
        waits = []
        times = self._clients.get(client, [])
        if len(times) >= self.per_client:
            waits.append(times[-self.per_client] + self.window - now)
        if len(self._all) >= self.overall:
            waits.append(self._all[-self.overall] + self.window - now)
        return max([0.0, *waits])

    def failed(self, client: str, what: str) -> None:
        now = self._clock()
        self._prune(now)
        times = self._clients.pop(client, [])
        times.append(now)
        self._clients[client] = times
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
        self._all.append(now)
        log.warning(_("kit page: {what} from {client} ({times_length} in "
                      "{window:.0f} s from there, {all_length} in all)").format(
                        what=what, client=client, times_length=len(times), window=self.window,
                        all_length=len(self._all)))
        if len(times) == self.per_client or len(self._all) == self.overall:
            log.warning(_("kit page: refusing {value} for {window:.0f} s after too "
                          "many failed attempts").format(
                            value=client if len(times) >= self.per_client else 'everyone',
                            window=self.window))

    @property
    def recent(self) -> int:
        """Failed attempts within the window (the Kit page shows it)."""
        self._prune(self._clock())
        return len(self._all)
