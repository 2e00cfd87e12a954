"""The kit configuration file (TOML, /etc/posdiag/kit.toml by default).

    recipients = ["age1…office", "age1…escrow"]  # public keys only, at least one
    port = "auto"        # or a PORT: /dev/posdiag/terminal-123, tcp://10.0.0.5:20007, sim:…
    media = "auto"       # or the folder the stick is mounted on
    plan = "/etc/posdiag/acceptance.toml"  # optional: acceptance plan run after each backup
    hook = ["/usr/local/bin/kit-led"]      # optional: run as `hook STATE` on each state
    password = "123456"  # optional: the terminals' password (6 digits)
    baud = 9600          # optional: the serial rate the terminals are set to
    charset = "cp437"    # optional: their character set (default: what they announce)
    language = "zh-CN"   # optional: the kit journal's language (default: the environment's);
                         # the phone page speaks the phone's language whatever this says

    [case]               # optional: file every backup under a repair case on the stick
    open = true
    description = "swapped at the counter"  # optional; else completed by `posdiag case edit`

    [web]                # optional: where `posdiag kit serve` listens (kit/web/config.py)
    interface = "wlan0"

The kit holds public recipients only: a secret age key anywhere in the file is
refused, so a stolen kit cannot read the backups it wrote. Every problem is a
PlanError whose message names the file and says what to fix, because the
service logs exactly that one line and waits for a fixed file.
"""

from __future__ import annotations

import shlex
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posdiag.errors import BadInput, PlanError
from posdiag.i18n import _
from posdiag.terminal_settings import TerminalSettings

DEFAULT_CONFIG_PATH = Path("/etc/posdiag/kit.toml")
AUTO = "auto"
KEYS = ("recipients", "port", "media", "plan", "hook", "case", "web", "password", "baud",
        "charset", "language")
_SECRET_MARK = "AGE-SECRET-KEY-"


@dataclass(frozen=True, slots=True)
class KitConfig:
    path: Path
    recipients: tuple[str, ...]  # age1… strings, checked
    port: str = AUTO
    media: Path | None = None  # None: find the one mounted USB stick
    plan: Path | None = None
    hook: tuple[str, ...] | None = None
    case_open: bool = False  # each cycle opens (or continues) a repair case on the stick
    case_description: str = ""
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    language: str | None = None  # a catalog name (zh_CN, en); None: the environment's


def load_kit_config(path: Path = DEFAULT_CONFIG_PATH) -> KitConfig:
    """Read and check the kit config; PlanError (one sentence) on anything wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(_("The kit config {path} does not exist; create it with your "
                          "office recipients (see docs/field-kit.md).").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(_("The kit config {path} cannot be read ({err}); check its "
                          "permissions and encoding.").format(path=path, err=err)) from err
    return parse_kit_config(text, path)


def parse_kit_config(text: str, path: Path = DEFAULT_CONFIG_PATH) -> KitConfig:
    """Check the TOML text of a kit config (pure: only ``plan`` and ``hook`` look at files)."""
    if _SECRET_MARK in text.upper():
        raise PlanError(_("The kit config {path} contains a secret age key "
                          "(AGE-SECRET-KEY-…); a kit holds public age1… recipients "
                          "only: remove the key and keep it in the office.").format(path=path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(_("The kit config {path} is not valid TOML ({err}); fix that "
                          "line.").format(path=path, err=err)) \
            from err
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise PlanError(_("The kit config {path} has unknown setting(s) {unknown}; "
                          "known settings are {keys}.").format(
                            path=path, unknown=', '.join(unknown), keys=', '.join(KEYS)))
    from posdiag.kit.web.config import parse_web

    parse_web(data.get("web"), path)  # only `kit serve` uses it; checked here with the rest
    return KitConfig(
        path=path,
        recipients=_recipients(data.get("recipients"), path),
        port=_port(data.get("port", AUTO), path),
        media=_media(data.get("media", AUTO), path),
        plan=_plan(data.get("plan"), path),
        hook=_hook(data.get("hook"), path),
        terminal=_terminal(data, path),
        language=_language(data.get("language"), path),
        **_case(data.get("case", {}), path),
    )


def _terminal(data: dict[str, Any], path: Path) -> TerminalSettings:
    table: dict[str, Any] = {key: data[key] for key in ("password", "baud", "charset")
                             if key in data}
    try:
        return TerminalSettings.from_table(table, str(path))
    except BadInput as err:
        raise PlanError(str(err)) from err


def _language(value: Any, path: Path) -> str | None:
    from posdiag.i18n import normalise_language

    if value is None:
        return None
    language = normalise_language(value) if isinstance(value, str) else None
    if language is None:
        raise PlanError(_("The kit config {path}: language = {value!r} is not one posdiag "
                          "speaks; use \"zh-CN\" or \"en\".").format(path=path, value=value))
    return language


def _case(value: Any, path: Path) -> dict[str, Any]:
    if (not isinstance(value, dict) or set(value) - {"open", "description"}
            or not isinstance(value.get("open", False), bool)
            or not isinstance(value.get("description", ""), str)):
        raise PlanError(_("The kit config {path}: [case] takes open = true|false and "
                          "description = \"…\".").format(path=path))
    return {"case_open": value.get("open", False),
            "case_description": value.get("description", "").strip()}


def _recipients(value: Any, path: Path) -> tuple[str, ...]:
    from posdiag.crypto.age import check_recipients, parse_recipient

    if value is None:
        raise PlanError(_("The kit config {path} has no recipients; add recipients = "
                          "[\"age1…\"] with the office (and escrow) public keys.").format(
                            path=path))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PlanError(_("The kit config {path}: recipients must be a non-empty "
                          "list of age1… strings.").format(path=path))
    parsed = []
    for index, text in enumerate(value, 1):
        try:
            parsed.append(parse_recipient(text))
        except BadInput as err:
            raise PlanError(_("The kit config {path}: recipient {index} is not "
                              "usable ({err})").format(path=path, index=index, err=err)) \
                from err
    try:
        check_recipients(parsed)  # post-quantum and classic recipients never share a file
    except BadInput as err:
        raise PlanError(_("The kit config {path}: {err}").format(path=path, err=err)) from err
    return tuple(v.strip() for v in value)


def _port(value: Any, path: Path) -> str:
    from posdiag.link.ports import parse_port

    if not isinstance(value, str):
        raise PlanError(_("The kit config {path}: port must be a string such as "
                          "\"auto\" or \"/dev/posdiag/terminal-123\".").format(path=path))
    if value.strip() == AUTO:
        return AUTO
    try:
        parse_port(value)
    except BadInput as err:
        raise PlanError(_("The kit config {path}: port is not usable ({err})").format(
                            path=path, err=err)) from err
    return value.strip()


def _media(value: Any, path: Path) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        raise PlanError(_("The kit config {path}: media must be \"auto\" or the "
                          "absolute folder the stick is mounted on.").format(path=path))
    if value.strip() == AUTO:
        return None
    folder = Path(value.strip())
    if not folder.is_absolute():
        raise PlanError(_("The kit config {path}: media {value!r} must be an "
                          "absolute folder or \"auto\".").format(path=path, value=value))
    return folder


def _plan(value: Any, path: Path) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PlanError(_("The kit config {path}: plan must be the path of a test "
                          "plan file.").format(path=path))
    plan = Path(value.strip())
    if not plan.is_absolute():
        plan = path.parent / plan  # relative to the config, so a kit folder can move as one
    if not plan.is_file():
        raise PlanError(_("The kit config {path}: the plan {plan} does not exist; "
                          "fix the path or remove the plan setting.").format(path=path, plan=plan))
    return plan


def _hook(value: Any, path: Path) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as err:
            raise PlanError(_("The kit config {path}: hook cannot be split into "
                              "words ({err}); quote it properly or give a list.").format(
                                path=path, err=err)) from err
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v
                                                           for v in value):
        raise PlanError(_("The kit config {path}: hook must be a command, as a "
                          "string or a list of strings.").format(path=path))
    if shutil.which(value[0]) is None:
        raise PlanError(_("The kit config {path}: the hook program {value} is not "
                          "found or not executable; install it or fix the path.").format(
                            path=path, value=value[0]))
    return tuple(value)
