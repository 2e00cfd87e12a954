"""Cases opened by the field kit: no screen, no merchant at hand, a stick in the slot.

With ``[case] open = true`` in kit.toml every cycle files its backup under a case on the
stick (``posdiag-cases/``): category "other", the description from the config or left empty,
the merchant left for the technician to complete with ``posdiag case edit``. A cycle resumed
after a power cut continues the case it opened (the newest case of this terminal that is
still ``open``) instead of opening a second one. The caution not to unplug the terminal is
logged (the kit has no screen) and recorded with the channel it went to.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case.actions import Actor, change_case
from posdiag.case.backup import backup_ref, link_backup
from posdiag.case.cautions import BEFORE_BACKUP, show_and_record
from posdiag.case.listing import CaseQuery, list_cases
from posdiag.case.model import Fault
from posdiag.case.opening import STICK_CASES_FOLDER, Opening, open_case
from posdiag.case.profiles import load_kit_profile
from posdiag.case.states import OPEN

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey
    from posdiag.devices import TerminalIdentity

log = logging.getLogger("posdiag.kit")


def kit_case(media_root: Path, port: str, terminal: Any, identity: TerminalIdentity,
             kit_key: KitKey, *, description: str = "") -> Path:
    """The case folder this cycle's backup belongs to: an open one of this terminal, or new.
    The kit profile (technician) is read from the kit's state folder, beside its key."""
    root = media_root / STICK_CASES_FOLDER
    kit_profile = load_kit_profile(config_dir=kit_key.path.parent)
    actor = Actor(kit_profile.technician) if kit_profile.technician.name else Actor()
    for summary in list_cases([root], CaseQuery(tid=identity.terminal_id or "")):
        case = summary.case
        if (case is not None and summary.verified and case.state == OPEN
                and case.old_terminal.serial_number == (identity.serial_number or "")):
            folder = summary.path
            break
    else:
        opening = Opening(root=root, fault=Fault("other", description), port=port,
                          kit_profile=kit_profile, complete_later=True)
        folder = open_case(opening, kit_key, terminal=terminal, identity=identity,
                           actor=actor).path
    change_case(folder, kit_key, lambda case: show_and_record(
        case, actor, BEFORE_BACKUP, lambda text: log.warning("%s", text),
        moment="before-backup", channel="kit-log"), actor=actor)
    return folder


def link_kit_backup(case_dir: Path, set_dir: Path, kit_key: KitKey) -> None:
    actor = Actor()
    ref = backup_ref(case_dir, set_dir, actor.now())
    change_case(case_dir, kit_key, lambda case: link_backup(case, actor, ref), actor=actor)
