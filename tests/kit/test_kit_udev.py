"""The udev rules and systemd units of the kit: generated from usbids, well-formed, checked in.

Facts checked against backup-media.md §3.2-3.3: SYSTEMD_WANTS needs TAG+="systemd" and the
unit instance %k; never mount from udev (no RUN keys); sysfs spells VID/PID as 4 lower-case
hex digits (`udevadm info -a` shows ATTRS{idVendor}=="0403").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from udev_grammar import Pair, parse_rule_line, rule_lines

from posdiag import usbids
from posdiag.kit.udev import (
    DEFAULT_BIN,
    GROUP,
    KIT_UNIT,
    RULES_NAME,
    STICK_UNIT,
    kit_files,
    render_kit_unit,
    render_rules,
)

ROOT = Path(__file__).resolve().parents[2]
HEX4 = re.compile(r"[0-9a-f]{4}")


def parsed_rules(text: str | None = None) -> list[tuple[int, list[Pair]]]:
    return [(n, parse_rule_line(line)) for n, line in rule_lines(text or render_rules())]


# --- the grammar reader itself can fail ---------------------------------------------------------


@pytest.mark.parametrize("bad", [
    'SUBSYSTEM="tty", GROUP="x"',  # SUBSYSTEM cannot be assigned
    'GROUP=="posdiag"',  # GROUP cannot be matched
    'ATTRS{idVendor}=="0403" MODE="0660"',  # missing comma
    'FOO=="bar"',  # unknown key
    'ENV=="x"',  # ENV needs an attribute
    'GOTO+="end"',  # GOTO takes only '='
    'MODE="660x"',  # not an octal mode
    'SUBSYSTEM=="tty",',  # trailing comma
    'IMPORT{magic}="usb_id"',  # unknown import type
])
def test_the_grammar_reader_rejects_bad_lines(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_rule_line(bad)


# --- every line of the generated rules ----------------------------------------------------------


def test_every_rule_line_has_known_keys_and_operators() -> None:
    lines = parsed_rules()
    assert len(lines) > 2 * len(usbids.KNOWN_DEVICES) - 20
    for number, pairs in lines:
        assert pairs, number  # parse_rule_line raised on anything wrong


def test_every_vid_and_pid_is_four_lower_case_hex_digits() -> None:
    values = [(number, pair) for number, pairs in parsed_rules() for pair in pairs
              if pair.attribute in ("idVendor", "idProduct")]
    assert values
    for number, pair in values:
        assert HEX4.fullmatch(pair.value), (number, pair)
        assert pair.key in ("ATTR", "ATTRS") and pair.op == "==", (number, pair)


def test_vendor_and_product_always_come_together_from_the_same_device() -> None:
    for number, pairs in parsed_rules():
        keys = {(p.key, p.attribute) for p in pairs}
        for key in ("ATTR", "ATTRS"):
            assert ((key, "idVendor") in keys) == ((key, "idProduct") in keys), number


def test_every_known_device_is_granted_to_the_group_on_tty_and_usb_nodes() -> None:
    granted: dict[tuple[str, str], set[str]] = {}
    for _number, pairs in parsed_rules():
        values = {(p.key, p.attribute, p.op): p.value for p in pairs}
        vid = values.get(("ATTRS", "idVendor", "==")) or values.get(("ATTR", "idVendor", "=="))
        pid = values.get(("ATTRS", "idProduct", "==")) or values.get(("ATTR", "idProduct", "=="))
        if vid is None:
            continue
        assert values[("GROUP", None, "=")] == GROUP
        assert values[("MODE", None, "=")] == "0660"
        granted.setdefault((vid, pid), set()).add(values[("SUBSYSTEM", None, "==")])
    expected = {(f"{d.vid:04x}", f"{d.pid:04x}") for d in usbids.KNOWN_DEVICES
                if d.kind != usbids.SMARTCARD_READER}
    assert set(granted) == expected
    for ids, subsystems in granted.items():
        assert subsystems == {"tty|hidraw", "usb"}, ids


def test_the_rules_follow_the_table_so_they_cannot_drift() -> None:
    extra = usbids.KnownDevice(0xABCD, 0x00EF, usbids.TERMINAL, "Test terminal", "test")
    text = render_rules([*usbids.KNOWN_DEVICES, extra])
    assert 'ATTRS{idVendor}=="abcd", ATTRS{idProduct}=="00ef"' in text
    assert 'ATTRS{idVendor}=="abcd"' not in render_rules()


def test_gotos_have_labels_and_nothing_is_run_or_mounted_from_udev() -> None:
    lines = parsed_rules()
    labels = {p.value for _n, pairs in lines for p in pairs if p.key == "LABEL"}
    gotos = {p.value for _n, pairs in lines for p in pairs if p.key == "GOTO"}
    assert gotos and gotos <= labels
    assert not [p for _n, pairs in lines for p in pairs if p.key == "RUN"]
    assert "\\\n" not in render_rules()  # no line continuations: one rule per line


def test_a_usb_stick_filesystem_wants_the_stick_unit() -> None:
    wanting = [pairs for _n, pairs in parsed_rules()
               if any(p.attribute == "SYSTEMD_WANTS" for p in pairs)]
    assert len(wanting) == 1
    values = {(p.key, p.attribute): (p.op, p.value) for p in wanting[0]}
    assert values[("ACTION", None)] == ("==", "add")
    assert values[("SUBSYSTEM", None)] == ("==", "block")
    assert values[("ENV", "ID_BUS")] == ("==", "usb")
    assert values[("ENV", "ID_FS_USAGE")] == ("==", "filesystem")
    assert values[("TAG", None)] == ("+=", "systemd")
    assert values[("ENV", "SYSTEMD_WANTS")] == ("+=", STICK_UNIT.replace("@.", "@%k."))


def test_links_are_named_by_kind_and_serial() -> None:
    symlinks = [p.value for _n, pairs in parsed_rules() for p in pairs if p.key == "SYMLINK"]
    assert "posdiag/$env{POSDIAG_NAME}" in symlinks
    assert all(link.startswith("posdiag/") for link in symlinks)
    names = [p.value for _n, pairs in parsed_rules() for p in pairs
             if p.attribute == "POSDIAG_NAME" and p.op == "="]
    assert "$env{POSDIAG_KIND}-$env{ID_SERIAL_SHORT}" in names


# --- the units ----------------------------------------------------------------------------------


def read_unit(text: str) -> dict[str, dict[str, str]]:
    """section -> key -> value; a key given again (DeviceAllow=, SystemCallFilter=) keeps its
    values joined by newlines, in order, as systemd adds them up."""
    from unit_file import parse_unit

    return {section: {key: "\n".join(values) for key, values in keys.items()}
            for section, keys in parse_unit(text).items()}


def test_the_kit_unit_runs_the_service_as_the_unprivileged_user() -> None:
    unit = read_unit(render_kit_unit("/opt/posdiag/bin/posdiag"))
    service = unit["Service"]
    assert service["ExecStart"] == "/opt/posdiag/bin/posdiag kit run --config /etc/posdiag/kit.toml"
    assert service["User"] == "posdiag" and service["Group"] == GROUP
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_stick_unit_mounts_through_udisks_not_udev() -> None:
    text = next(f.text for f in kit_files() if f.name == STICK_UNIT)
    service = read_unit(text)["Service"]
    assert service["ExecStart"].split()[:2] == ["/usr/bin/udisksctl", "mount"]
    assert service["ExecStart"].endswith("/dev/%I")
    assert service["User"] == "posdiag"


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here; the unit tests above still ran")
    true = shutil.which("true") or "/bin/true"
    paths = []
    for kit_file in kit_files():
        if not kit_file.name.endswith(".service"):
            continue
        # Point the commands at an executable that exists here; the unit syntax is the test.
        text = kit_file.text.replace("/usr/bin/udisksctl", true).replace(DEFAULT_BIN, true)
        path = tmp_path / kit_file.name.replace("@.", "@sda1.")
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    done = subprocess.run([tool, "verify", *paths], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), \
        done.stdout + done.stderr


# --- the copies checked into the repository -----------------------------------------------------


def test_checked_in_files_equal_the_generator_output() -> None:
    for kit_file in kit_files():
        copy = ROOT / "udev" / kit_file.name
        assert copy.exists(), f"udev/{kit_file.name} is missing; regenerate udev/"
        assert copy.read_text(encoding="utf-8") == kit_file.text, (
            f"udev/{kit_file.name} differs from posdiag/kit/udev.py; regenerate it with "
            "`posdiag kit install --prefix` and copy, or fix the generator")
    names = {f.name for f in kit_files()}
    present = {str(p.relative_to(ROOT / "udev")) for p in (ROOT / "udev").rglob("*")
               if p.is_file()}
    assert present == names


def test_checked_in_rules_parse_line_by_line() -> None:
    text = (ROOT / "udev" / RULES_NAME).read_text(encoding="utf-8")
    assert parsed_rules(text)


def _udevadm_verify_available() -> tuple[bool, str]:
    udevadm = shutil.which("udevadm")
    if udevadm is None:
        return False, "udevadm is not installed here"
    probe = subprocess.run([udevadm, "verify", "--help"], capture_output=True, text=True,
                           check=False)
    if probe.returncode != 0:
        version = subprocess.run([udevadm, "--version"], capture_output=True, text=True,
                                 check=False).stdout.strip()
        return False, f"this udev ({version or 'unknown version'}) has no `udevadm verify` " \
                      "(added in systemd 254)"
    return True, ""


def test_udevadm_verify_accepts_the_rules(tmp_path: Path) -> None:
    """Runs whenever the installed udev has `udevadm verify`, in CI too; else says why not."""
    available, why = _udevadm_verify_available()
    if not available:
        pytest.skip(f"{why}; the line-by-line grammar tests above still ran"
                    + (" (CI)" if os.environ.get("CI") else ""))
    rules = tmp_path / RULES_NAME
    rules.write_text(render_rules(), encoding="utf-8")
    done = subprocess.run(["udevadm", "verify", "--resolve-names=never", str(rules)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_kit_unit_name_is_what_the_docs_enable() -> None:
    docs = (ROOT / "docs" / "field-kit.md").read_text(encoding="utf-8")
    assert f"systemctl enable --now {KIT_UNIT}" in docs
