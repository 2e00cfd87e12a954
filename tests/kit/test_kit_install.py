"""`posdiag kit install` / `uninstall`: what is written, what is run, and removing exactly that."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from posdiag.cli import cli
from posdiag.errors import UsageError
from posdiag.kit.install import MANIFEST_TARGET, Environment, install_kit, uninstall_kit
from posdiag.kit.udev import kit_files

BIN = "/opt/posdiag/bin/posdiag"


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_install_under_a_prefix_writes_the_generated_files_and_a_manifest(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["kit", "install", "--prefix", str(tmp_path),
                                      "--bin", BIN])
    assert result.exit_code == 0, result.output
    for kit_file in kit_files(BIN):
        path = tmp_path / kit_file.target.lstrip("/")
        assert path.read_text(encoding="utf-8") == kit_file.text
        assert path.stat().st_mode & 0o777 == 0o644
    manifest = json.loads((tmp_path / MANIFEST_TARGET.lstrip("/")).read_text())
    assert [f["path"] for f in manifest["files"]] == [f.target for f in kit_files(BIN)]
    assert manifest["group_created"] is False
    assert "skipped creating the group posdiag (under --prefix)" in result.output
    assert "udevadm" not in result.output  # nothing is reloaded for a prefix


def test_dry_run_verbose_prints_everything_and_writes_nothing(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["kit", "install", "--dry-run", "--verbose", "--prefix",
                                      str(tmp_path), "--bin", BIN])
    assert result.exit_code == 0, result.output
    assert tree(tmp_path) == set()
    assert "would write" in result.output
    assert 'ENV{SYSTEMD_WANTS}+="posdiag-kit-stick@%k.service"' in result.output
    assert f"ExecStart={BIN} kit run" in result.output


def test_uninstall_removes_exactly_what_install_wrote(tmp_path) -> None:
    (tmp_path / "etc" / "udev" / "rules.d").mkdir(parents=True)
    other = tmp_path / "etc" / "udev" / "rules.d" / "99-other.rules"
    other.write_text("# somebody else's\n")
    before = tree(tmp_path)
    install_kit(BIN, env=Environment(prefix=tmp_path))
    assert tree(tmp_path) > before
    report = uninstall_kit(env=Environment(prefix=tmp_path))
    assert tree(tmp_path) == before
    assert other.read_text() == "# somebody else's\n"
    assert len(report.written) == len(kit_files())


def test_uninstall_dry_run_changes_nothing(tmp_path) -> None:
    install_kit(BIN, env=Environment(prefix=tmp_path))
    installed = tree(tmp_path)
    result = CliRunner().invoke(cli, ["kit", "uninstall", "--dry-run", "--prefix",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert tree(tmp_path) == installed
    assert "would remove" in result.output


def test_a_file_changed_after_install_is_left_in_place(tmp_path) -> None:
    install_kit(BIN, env=Environment(prefix=tmp_path))
    rules = tmp_path / "etc/udev/rules.d/60-posdiag.rules"
    rules.write_text(rules.read_text() + "# local change\n")
    report = uninstall_kit(env=Environment(prefix=tmp_path))
    assert rules.exists()
    assert any("left" in line and str(rules) in line for line in report.lines)


def test_install_refuses_to_overwrite_a_file_it_did_not_write(tmp_path) -> None:
    rules = tmp_path / "etc/udev/rules.d/60-posdiag.rules"
    rules.parent.mkdir(parents=True)
    rules.write_text("# hand-made\n")
    with pytest.raises(UsageError, match="was not written by `posdiag kit install`"):
        install_kit(BIN, env=Environment(prefix=tmp_path))
    assert rules.read_text() == "# hand-made\n"
    assert tree(tmp_path) == {"etc", "etc/udev", "etc/udev/rules.d",
                              "etc/udev/rules.d/60-posdiag.rules"}


def test_reinstall_updates_its_own_files(tmp_path) -> None:
    install_kit(BIN, env=Environment(prefix=tmp_path))
    install_kit("/usr/bin/posdiag", env=Environment(prefix=tmp_path))
    unit = (tmp_path / "etc/systemd/system/posdiag-kit.service").read_text()
    assert "ExecStart=/usr/bin/posdiag kit run" in unit
    uninstall_kit(env=Environment(prefix=tmp_path))
    assert tree(tmp_path) == set()


def test_uninstall_without_an_install_is_a_usage_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["kit", "uninstall", "--prefix", str(tmp_path)])
    assert isinstance(result.exception, UsageError)
    assert "Nothing to uninstall" in str(result.exception)


class _RootedEnvironment(Environment):
    """The machine's own paths (no prefix, as root) redirected into a folder for the test."""

    root: Path = Path("/nonexistent")

    def path(self, target: str) -> Path:
        return self.root / target.lstrip("/")


def _system_env(tmp_path: Path, commands: list[list[str]], exists: bool = False,
                root: bool = True) -> Environment:
    env = _RootedEnvironment(prefix=None, is_root=root, which=lambda name: f"/usr/bin/{name}",
                             run=lambda argv: commands.append(list(argv)) or 0,
                             group_exists=lambda _n: exists, user_exists=lambda _n: exists)
    env.root = tmp_path
    return env


def test_as_root_install_creates_group_and_user_and_reloads(tmp_path) -> None:
    commands: list[list[str]] = []
    install_kit(BIN, env=_system_env(tmp_path, commands))
    assert commands[0] == ["groupadd", "--system", "posdiag"]
    assert commands[1][:4] == ["useradd", "--system", "--gid", "posdiag"]
    assert ["udevadm", "control", "--reload"] in commands
    assert ["systemctl", "daemon-reload"] in commands
    commands.clear()
    uninstall_kit(env=_system_env(tmp_path, commands))
    assert commands[0] == ["systemctl", "disable", "--now", "posdiag-kit.service",
                           "posdiag-kit-web.service"]
    assert ["userdel", "posdiag"] in commands and ["groupdel", "posdiag"] in commands
    assert commands.index(["userdel", "posdiag"]) < commands.index(["groupdel", "posdiag"])


def test_existing_accounts_are_neither_created_nor_removed(tmp_path) -> None:
    commands: list[list[str]] = []
    install_kit(BIN, env=_system_env(tmp_path, commands, exists=True))
    uninstall_kit(env=_system_env(tmp_path, commands, exists=True))
    assert not [c for c in commands if c[0] in ("groupadd", "useradd", "groupdel", "userdel")]


def test_not_root_skips_accounts_and_reloads_with_a_message(tmp_path) -> None:
    commands: list[list[str]] = []
    report = install_kit(BIN, env=_system_env(tmp_path, commands, root=False))
    assert commands == []
    assert any("not running as root" in line and "groupadd --system posdiag" in line
               for line in report.lines)
    assert any("not root: skipped `udevadm control --reload`" in line for line in report.lines)


def test_install_and_uninstall_speak_the_language_of_the_run(tmp_path) -> None:
    """Every line the runner prints goes through the catalog: in zh-CN no English sentence is
    left, only paths, commands and names."""
    install = CliRunner().invoke(cli, ["--lang", "zh-CN", "kit", "install", "--prefix",
                                       str(tmp_path), "--bin", BIN])
    assert install.exit_code == 0, install.output
    uninstall = CliRunner().invoke(cli, ["--lang", "zh-CN", "kit", "uninstall", "--prefix",
                                         str(tmp_path)])
    assert uninstall.exit_code == 0, uninstall.output
    output = install.output + uninstall.output
    assert ("未创建用户组 posdiag（使用了 --prefix）；"
            "请以 root 身份运行：groupadd --system posdiag") in output
    assert f"已写入 {tmp_path}" in output and f"已删除 {tmp_path}" in output
    assert "下一步：写入" in output and "已删除文件夹" in output
    for english in ("wrote ", "skipped creating", "recorded what", "next: ", "removed ",
                    "a label to print", "The kit's page", "folder"):
        assert english not in output
