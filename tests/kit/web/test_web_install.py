"""`posdiag kit install` makes the page's secret once and prints it as a URL and QR codes;
the page's unit runs `kit serve` in the kit service's sandbox; uninstall removes both."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from document_checks import png_qr_codes

from posdiag.cli import cli
from posdiag.kit.install import WEB_LABEL_TARGET, WEB_SECRET_TARGET
from posdiag.kit.udev import render_kit_unit, render_web_unit
from posdiag.kit.web.auth import read_secret

BIN = "/opt/posdiag/bin/posdiag"


def install(prefix: Path) -> str:
    result = CliRunner().invoke(cli, ["kit", "install", "--prefix", str(prefix), "--bin", BIN])
    assert result.exit_code == 0, result.output
    return result.output


def test_install_prints_the_page_address_with_the_secret_and_qr_codes(tmp_path):
    (tmp_path / "etc" / "posdiag").mkdir(parents=True)
    (tmp_path / "etc" / "posdiag" / "kit.toml").write_text(
        '[web]\nlisten = ["192.168.4.1"]\nport = 8443\n')
    output = install(tmp_path)
    secret_file = tmp_path / WEB_SECRET_TARGET.lstrip("/")
    secret = read_secret(secret_file)
    assert secret_file.stat().st_mode & 0o077 == 0
    url = f"http://192.168.4.1:8443/?k={secret}"
    assert url in output and "▄" in output  # the terminal QR code below it
    label = tmp_path / WEB_LABEL_TARGET.lstrip("/")
    assert label.stat().st_mode & 0o077 == 0
    assert png_qr_codes(label) == [url]  # what a phone scanning the label opens


def test_reinstall_keeps_the_secret_and_uninstall_removes_it(tmp_path):
    install(tmp_path)
    secret_file = tmp_path / WEB_SECRET_TARGET.lstrip("/")
    first = read_secret(secret_file)
    output = install(tmp_path)
    assert read_secret(secret_file) == first and "created the kit page's secret" not in output
    from posdiag.kit.web.server import interface_addresses

    if not interface_addresses("wlan0"):  # no access point here: NetworkManager's address
        assert "10.42.0.1:8080" in output and "hotspot address" in output
    result = CliRunner().invoke(cli, ["kit", "uninstall", "--prefix", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not secret_file.exists() and not (tmp_path / WEB_LABEL_TARGET.lstrip("/")).exists()
    assert not list(tmp_path.rglob("*")), "uninstall leaves nothing behind"


def _sandbox(unit: str) -> set[str]:
    service = unit.split("[Service]")[1].split("[Install]")[0]
    return {line for line in service.splitlines()
            if line and not line.startswith("#") and line.split("=")[0] in (
                "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "User",
                "Group", "CapabilityBoundingSet", "AmbientCapabilities", "PrivateIPC",
                "ProtectKernelTunables", "RestrictNamespaces", "SystemCallFilter", "UMask")}


def test_the_page_unit_runs_kit_serve_in_the_kit_services_sandbox():
    web, kit = render_web_unit(BIN), render_kit_unit(BIN)
    assert f"ExecStart={BIN} kit serve --config /etc/posdiag/kit.toml" in web
    assert _sandbox(web) == _sandbox(kit) and "NoNewPrivileges=yes" in _sandbox(web)
    assert "InaccessiblePaths=-/var/lib/posdiag/kit-signing-key.pem" in web
