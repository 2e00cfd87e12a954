"""`posdiag kit install` / `uninstall`: write the kit's files, and remove exactly those.

Plan, then act: ``plan_install`` decides what would be written and run (pure
apart from reading what exists); ``install_kit`` does it, or only reports it
with ``dry_run``. A manifest (JSON, next to kit.toml) records every file with
its SHA-256, every folder and account the install created, so ``uninstall_kit``
removes exactly that: a file changed since is left in place and reported.

Under ``--prefix`` (tests, image builds) every path is inside the prefix and no
account is created and nothing is reloaded; the same happens, with a message,
when not running as root.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posdiag.errors import UsageError
from posdiag.i18n import _
from posdiag.kit.udev import GROUP, KIT_UNIT, STATE_DIR, USER, WEB_UNIT, KitFile, kit_files

MANIFEST_TARGET = "/etc/posdiag/kit-installed.json"
CONFIG_TARGET = "/etc/posdiag/kit.toml"
# The kit page's secret and its label (both carry the secret; see posdiag/kit/web/auth.py).
WEB_SECRET_TARGET = "/etc/posdiag/kit-web.secret"
WEB_LABEL_TARGET = "/etc/posdiag/kit-web-label.png"
MANIFEST_FORMAT = 1

Runner = Callable[[Sequence[str]], int]


def run_command(argv: Sequence[str]) -> int:
    """Run a system command, its output going to ours (the installer's user sees it)."""
    return subprocess.run(list(argv), check=False).returncode


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _group_id(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


@dataclass
class Environment:
    """What the installer may touch; tests replace every part."""

    prefix: Path | None = None
    is_root: bool = field(default_factory=lambda: os.geteuid() == 0)
    which: Callable[[str], str | None] = shutil.which
    run: Runner = run_command
    group_exists: Callable[[str], bool] = _group_exists
    user_exists: Callable[[str], bool] = _user_exists

    def path(self, target: str) -> Path:
        return self.prefix / target.lstrip("/") if self.prefix else Path(target)

    @property
    def system(self) -> bool:
        """True when accounts and services of this machine may be changed."""
        return self.prefix is None and self.is_root


@dataclass(frozen=True, slots=True)
class InstallReport:
    lines: tuple[str, ...]
    written: tuple[str, ...]  # paths (with the prefix) written or that would be written


def _load_manifest(env: Environment) -> dict[str, Any] | None:
    path = env.path(MANIFEST_TARGET)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(_("The install record {path} is unreadable ({err}); remove "
                           "the kit files by hand (see docs/field-kit.md).").format(
                             path=path, err=err)) from err
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise UsageError(_("The install record {path} is not one this posdiag wrote; "
                           "remove the kit files by hand (see docs/field-kit.md).").format(
                             path=path))
    return data


def _missing_parents(path: Path) -> list[Path]:
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing[::-1]  # outermost first


def _write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.posdiag-tmp")
    with open(temp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o644)
    os.replace(temp, path)  # ext4 on the SD card: rename is atomic here (not on the stick)


def unit_cannot_run(posdiag_bin: str) -> str:
    """Why the kit's units could not start ``posdiag_bin`` (their sandbox hides it), or ""."""
    program = posdiag_bin.split()[0] if posdiag_bin.split() else posdiag_bin
    if program.startswith(("/home/", "/root/")) or program in ("/home", "/root"):
        return _("warning: {bin} is in a home folder, which the kit's services cannot see "
                 "(ProtectHome=yes); they could not start it. Install posdiag under /opt and "
                 "give --bin.").format(bin=posdiag_bin)
    if program.startswith(("/tmp/", "/var/tmp/")):
        return _("warning: {bin} is in a temporary folder; the kit's services get a /tmp of "
                 "their own (PrivateTmp=yes) and could not start it. Install posdiag under "
                 "/opt and give --bin.").format(bin=posdiag_bin)
    return ""


def install_kit(posdiag_bin: str, *, dry_run: bool = False, verbose: bool = False,
                env: Environment | None = None) -> InstallReport:
    """Write rules, units and the polkit rule; create group and user; reload udev and systemd.

    ``dry_run``: only say, one line each, what would be written, made and run (with
    ``verbose``, each file's contents too)."""
    env = env or Environment()
    previous = _load_manifest(env) or {}
    ours = {entry["path"]: entry["sha256"] for entry in previous.get("files", [])}
    files = kit_files(posdiag_bin)
    lines: list[str] = []
    warning = unit_cannot_run(posdiag_bin)
    if warning:
        lines.append(warning)
    # Refuse before writing anything: a file we did not write is somebody else's.
    for kit_file in files:
        path = env.path(kit_file.target)
        if path.exists() and kit_file.target not in ours and \
                path.read_bytes() != kit_file.text.encode():
            raise UsageError(_("{path} exists and was not written by `posdiag kit "
                               "install`; move it away and install again.").format(path=path))
    created_dirs = [str(d) for d in previous.get("dirs", [])]
    written = []
    for kit_file in files:
        path = env.path(kit_file.target)
        written.append(str(path))
        if dry_run:
            lines.append(_("would write {path}").format(path=path) + (":" if verbose else ""))
            if verbose:
                lines.extend(f"    {line}" for line in kit_file.text.splitlines())
            continue
        for folder in _missing_parents(path):
            folder.mkdir(mode=0o755)
            created_dirs.append(_unprefixed(env, folder))
        _write(path, kit_file.text.encode())
        lines.append(_("wrote {path}").format(path=path))
    accounts = _create_accounts(env, dry_run, lines, previous)
    _reload(env, dry_run, lines, ("udevadm", "control", "--reload"))
    _reload(env, dry_run, lines, ("systemctl", "daemon-reload"))
    manifest_path = env.path(MANIFEST_TARGET)
    if dry_run:
        lines.extend(_web_access_plan(env))
        lines.append(_("would record what was installed in {path}").format(path=manifest_path))
        return InstallReport(tuple(lines), tuple(written))
    for folder in _missing_parents(manifest_path):
        folder.mkdir(mode=0o755)
        created_dirs.append(_unprefixed(env, folder))
    web = _web_access(env, lines, previous)
    manifest = {
        "format": MANIFEST_FORMAT,
        "files": [{"path": f.target, "sha256": _sha256(f.text.encode())} for f in files],
        "dirs": sorted(set(created_dirs)),
        **accounts,
        **web,
    }
    _write(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    lines.append(_("recorded what was installed in {path}").format(path=manifest_path))
    lines.append(_("next: write {config}, then `{command}`").format(
        config=env.path(CONFIG_TARGET), command=f"systemctl enable --now {KIT_UNIT} {WEB_UNIT}"))
    return InstallReport(tuple(lines), tuple(written))


def _web_access(env: Environment, lines: list[str], previous: dict[str, Any]) -> dict[str, Any]:
    """The kit page's secret (made once, kept on reinstall) and its label: URL, terminal QR
    code and a PNG to print for the kit's case."""
    from posdiag.kit.web.auth import new_secret, read_secret, write_secret
    from posdiag.kit.web.config import load_web_config
    from posdiag.kit.web.label import label_url, terminal_qr, write_label_png

    path = env.path(WEB_SECRET_TARGET)
    created = bool(previous.get("web_secret_created"))
    # root:posdiag 0640 where this really runs as root (the service reads it, cannot change
    # it); otherwise the file stays the installing user's, 0600.
    group_id = _group_id(GROUP) if env.system and os.geteuid() == 0 else None
    if not path.exists():
        write_secret(path, new_secret(), group_id)
        created = True
        lines.append(_("created the kit page's secret {path}").format(path=path))
    url, seen = label_url(load_web_config(env.path(CONFIG_TARGET)), read_secret(path))
    label = env.path(WEB_LABEL_TARGET)
    write_label_png(url, label)
    lines.append(_("The kit's page for the phone: join the kit's Wi-Fi, then scan this code or "
                   "open the address (it holds the kit's secret; keep it with the kit):"))
    lines.append(f"    {url}")
    lines.extend(terminal_qr(url).rstrip("\n").splitlines())
    lines.append(_("a label to print for the kit's case: {path}").format(path=label))
    if not seen:
        lines.append(_("(the address is NetworkManager's hotspot address; the access point is "
                       "not up yet, see docs/field-kit.md)"))
    return {"web_secret_created": created, "web_label": WEB_LABEL_TARGET}


def _web_access_plan(env: Environment) -> list[str]:
    """What ``_web_access`` would make, one line each (nothing is read or written)."""
    secret = env.path(WEB_SECRET_TARGET)
    lines = [_("would keep the kit page's secret {path}").format(path=secret) if secret.exists()
             else _("would create the kit page's secret {path}").format(path=secret)]
    lines.append(_("would write the label {path} (PNG: the page's address with its secret, "
                   "and its QR code)").format(path=env.path(WEB_LABEL_TARGET)))
    lines.append(_("would print the page's address and its QR code"))
    return lines


def _unprefixed(env: Environment, path: Path) -> str:
    if env.prefix is None:
        return str(path)
    return "/" + str(path.relative_to(env.prefix))


def _create_accounts(env: Environment, dry_run: bool, lines: list[str],
                     previous: dict[str, Any]) -> dict[str, bool]:
    made = {"group_created": bool(previous.get("group_created")),
            "user_created": bool(previous.get("user_created"))}
    # (skipped, exists, created) in words: one sentence each for a group and a user.
    said = {
        "group": (_("skipped creating the group {name} ({why}); as root run: {command}"),
                  _("the group {name} exists"), _("created the group {name}")),
        "user": (_("skipped creating the user {name} ({why}); as root run: {command}"),
                 _("the user {name} exists"), _("created the user {name}")),
    }
    commands = [
        ("group", GROUP, env.group_exists, "group_created", ["groupadd", "--system", GROUP]),
        ("user", USER, env.user_exists, "user_created",
         ["useradd", "--system", "--gid", GROUP, "--home-dir", STATE_DIR, "--no-create-home",
          "--shell", "/usr/sbin/nologin", USER]),
    ]
    for what, name, exists, key, argv in commands:
        skipped, existing, created = said[what]
        if not env.system:
            why = _("under --prefix") if env.prefix is not None else _("not running as root")
            lines.append(skipped.format(name=name, why=why, command=" ".join(argv)))
            continue
        if exists(name):
            lines.append(existing.format(name=name))
            continue
        if dry_run:
            lines.append(_would_run(argv))
            continue
        if env.run(argv) != 0:
            raise UsageError(_("`{argv}` failed; fix the error above and install "
                               "again.").format(argv=' '.join(argv)))
        made[key] = True
        lines.append(created.format(name=name))
    return made


def _reload(env: Environment, dry_run: bool, lines: list[str], argv: Sequence[str]) -> None:
    if env.prefix is not None:
        return  # files under a prefix are not this machine's: nothing to reload
    if env.which(argv[0]) is None:
        lines.append(_("{program} not found: skipped `{command}`").format(
            program=argv[0], command=" ".join(argv)))
        return
    if not env.is_root:
        lines.append(_("not root: skipped `{command}`").format(command=" ".join(argv)))
        return
    if dry_run:
        lines.append(_would_run(argv))
        return
    lines.append(_ran(argv, env.run(argv)))


def _would_run(argv: Sequence[str]) -> str:
    return _("would run: {command}").format(command=" ".join(argv))


def _ran(argv: Sequence[str], code: int = 0) -> str:
    if code == 0:
        return _("ran `{command}`").format(command=" ".join(argv))
    return _("ran `{command}` (exit {code})").format(command=" ".join(argv), code=code)


def uninstall_kit(*, dry_run: bool = False, env: Environment | None = None) -> InstallReport:
    """Remove what the install manifest lists (unchanged files only), then the manifest."""
    env = env or Environment()
    manifest = _load_manifest(env)
    if manifest is None:
        raise UsageError(_("Nothing to uninstall: {path} does not exist (the kit was "
                           "not installed with `posdiag kit install` here).").format(
                             path=env.path(MANIFEST_TARGET)))
    removal = _("would remove {path}") if dry_run else _("removed {path}")
    lines: list[str] = []
    removed: list[str] = []
    if env.system and env.which("systemctl") is not None:
        argv = ["systemctl", "disable", "--now", KIT_UNIT, WEB_UNIT]
        if dry_run:
            lines.append(_would_run(argv))
        else:
            env.run(argv)  # not enabled is fine
            lines.append(_ran(argv))
    for entry in manifest.get("files", []):
        path = env.path(entry["path"])
        if not path.exists():
            lines.append(_("{path} was already gone").format(path=path))
            continue
        if _sha256(path.read_bytes()) != entry["sha256"]:
            lines.append(_("left {path} in place: it changed since it was installed").format(
                path=path))
            continue
        if not dry_run:
            path.unlink()
        removed.append(str(path))
        lines.append(removal.format(path=path))
    for key, target in (("web_label", WEB_LABEL_TARGET), ("web_secret_created",
                                                           WEB_SECRET_TARGET)):
        path = env.path(target)
        if manifest.get(key) and path.exists():
            if not dry_run:
                path.unlink()
            lines.append(removal.format(path=path))
    _remove_accounts(env, dry_run, lines, manifest)
    _reload(env, dry_run, lines, ("udevadm", "control", "--reload"))
    _reload(env, dry_run, lines, ("systemctl", "daemon-reload"))
    manifest_path = env.path(MANIFEST_TARGET)
    if not dry_run:
        manifest_path.unlink()
    lines.append(removal.format(path=manifest_path))
    # Folders the install created, deepest first, and only when nothing else is in them.
    for folder in sorted(manifest.get("dirs", []), key=lambda d: d.count("/"), reverse=True):
        path = env.path(folder)
        if path.is_dir() and (dry_run or not any(path.iterdir())):
            if not dry_run:
                path.rmdir()
            lines.append((_("would remove the folder {path}") if dry_run
                          else _("removed the folder {path}")).format(path=path))
    return InstallReport(tuple(lines), tuple(removed))


def _remove_accounts(env: Environment, dry_run: bool, lines: list[str],
                     manifest: dict[str, Any]) -> None:
    for key, argv in (("user_created", ["userdel", USER]), ("group_created", ["groupdel", GROUP])):
        if not manifest.get(key):
            continue
        if not env.system:
            lines.append(_("skipped `{command}` (not root or under --prefix)").format(
                command=" ".join(argv)))
        elif dry_run:
            lines.append(_would_run(argv))
        else:
            lines.append(_ran(argv, env.run(argv)))


def repo_copies(root: Path, files: Sequence[KitFile] | None = None) -> dict[Path, str]:
    """The udev/ folder of the repository as it must be: path -> text (for the drift test)."""
    return {root / f.name: f.text for f in (files or kit_files())}


def default_posdiag_command(argv0: str, python: str) -> str:
    """What the units should run: this very posdiag script, else ``python -m posdiag``."""
    script = Path(argv0)
    if script.name == "posdiag" and script.is_file():
        return str(script.absolute())
    return f"{python} -m posdiag"
