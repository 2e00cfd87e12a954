"""A kit cycle that files its backup under a repair case on the stick ([case] open = true)."""

from __future__ import annotations

import json
from pathlib import Path

from test_kit_cycle import once

from posdiag.case.store import load_case


def test_a_kit_cycle_opens_a_case_and_links_its_backup(capsys, write_config, stick, state_dir,
                                                       kit_log_lines) -> None:
    config = write_config("[case]", "open = true", 'description = "swapped at the counter"')
    code, out, err = once(capsys, config, stick, state_dir)
    assert code == 0, err
    summary = json.loads(out)
    [case_dir] = (stick / "posdiag-cases").iterdir()
    case_file = load_case(case_dir)
    assert case_file.ok
    case = case_file.case
    assert case.state == "backed-up"
    assert case.fault.category == "other" and case.fault.description == "swapped at the counter"
    assert case.merchant.name == ""  # for the technician to complete with `posdiag case edit`
    assert case.actions[0].details["to_complete"] == ["merchant"]
    assert case.backup.set_dir == str(Path(summary["set_dir"]).resolve())
    assert case.backup.records == summary["records"]
    [caution] = [a for a in case.actions if a.kind == "caution"]
    assert caution.details["channel"] == "kit-log"
    assert "Do not unplug the terminal" in kit_log_lines.text


def test_without_the_setting_no_case_is_opened(capsys, write_config, stick, state_dir) -> None:
    code, _, err = once(capsys, write_config(), stick, state_dir)
    assert code == 0, err
    assert not (stick / "posdiag-cases").exists()


def test_a_resumed_cycle_continues_the_case_it_opened(stick, state_dir) -> None:
    """A power cut between opening the case and linking the backup: the next cycle finds the
    case still open and uses it, instead of opening a second one."""
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.case.kit import kit_case
    from posdiag.terminals import open_terminal

    kit_key = load_or_create_kit_key(state_dir)
    folders = []
    for _ in range(2):
        with open_terminal("sim") as terminal:
            folders.append(kit_case(stick, "sim", terminal, terminal.identify(), kit_key))
    assert folders[0] == folders[1]
    assert [a.kind for a in load_case(folders[0]).case.actions] == ["opened", "caution",
                                                                     "caution"]
