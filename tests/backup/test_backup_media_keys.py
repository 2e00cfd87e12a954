"""--to auto detection over a fake sysfs, the kit signing key, manifests and the pure plan."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from posdiag.backup.kitkey import KIT_KEY_FILE, config_dir, load_or_create_kit_key
from posdiag.backup.layout import free_index_name, next_generation, next_part
from posdiag.backup.manifest import (
    FileEntry,
    JournalState,
    Manifest,
    SegmentEntry,
    manifest_from_bytes,
    manifest_to_bytes,
    sign_manifest,
    verify_manifest_signature,
)
from posdiag.backup.media import find_backup_medium, parse_mounts
from posdiag.backup.pieces import Piece
from posdiag.backup.plan import SetState, close_segment, make_plan, reserve_part, with_piece
from posdiag.errors import MediumNotFound, UsageError, VerificationError


def fake_sysfs(root: Path, disks: dict[str, tuple[str, str]]) -> Path:
    """disks: name -> (removable flag, bus path fragment); each gets partition <name>1."""
    sys_root = root / "sys"
    for disk, (removable, bus) in disks.items():
        device_dir = sys_root / "devices" / bus / "block" / disk
        (device_dir / f"{disk}1").mkdir(parents=True)
        (device_dir / f"{disk}1" / "partition").write_text("1\n")
        (sys_root / "block").mkdir(parents=True, exist_ok=True)
        (sys_root / "block" / disk).symlink_to(device_dir)
        (device_dir / "removable").write_text(removable + "\n")
        (sys_root / "class" / "block").mkdir(parents=True, exist_ok=True)
        (sys_root / "class" / "block" / disk).symlink_to(device_dir)
        (sys_root / "class" / "block" / f"{disk}1").symlink_to(device_dir / f"{disk}1")
    return sys_root


MOUNTS = """\
/dev/mmcblk0p2 / ext4 rw,noatime 0 0
/dev/mmcblk0p1 /boot/firmware vfat rw 0 0
/dev/sda1 /media/pi/POS\\040STICK vfat rw,nosuid,flush 0 0
proc /proc proc rw 0 0
"""


def test_the_one_usb_stick_is_found(tmp_path: Path) -> None:
    sys_root = fake_sysfs(tmp_path, {"mmcblk0": ("0", "platform/mmc"),
                                     "sda": ("1", "pci0/usb1/1-1/host0")})
    medium = find_backup_medium(MOUNTS, sys_root)
    assert medium.mount_point == Path("/media/pi/POS STICK")  # \040 unescaped
    assert medium.usb and medium.removable


def test_usb_ssd_with_removable_0_still_counts(tmp_path: Path) -> None:
    sys_root = fake_sysfs(tmp_path, {"sda": ("0", "pci0/usb2/2-1/host1")})
    assert find_backup_medium("/dev/sda1 /mnt/ssd exfat rw 0 0\n", sys_root).disk == "sda"


def test_no_stick_is_a_media_error_and_several_sticks_a_usage_error(tmp_path: Path) -> None:
    sys_root = fake_sysfs(tmp_path, {"mmcblk0": ("0", "platform/mmc"),
                                     "sda": ("1", "usb1/1-1"), "sdb": ("1", "usb1/1-2")})
    with pytest.raises(MediumNotFound, match=r"No mounted USB stick.*mmcblk0p2.*--to DIR"):
        find_backup_medium("/dev/mmcblk0p2 / ext4 rw 0 0\n", sys_root)
    with pytest.raises(MediumNotFound, match=r"give --media DIR"):  # the kit's option
        find_backup_medium("/dev/mmcblk0p2 / ext4 rw 0 0\n", sys_root, option="--media")
    with pytest.raises(UsageError, match=r"Several removable media.*sda1.*sdb1"):
        find_backup_medium("/dev/sda1 /media/a vfat rw 0 0\n/dev/sdb1 /media/b vfat rw 0 0\n",
                           sys_root)


def test_parse_mounts_skips_virtual_filesystems() -> None:
    assert parse_mounts(MOUNTS)[2] == ("/dev/sda1", "/media/pi/POS STICK", "vfat")
    assert len(parse_mounts(MOUNTS)) == 3


# --- kit key -----------------------------------------------------------------------------------


def test_kit_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_kit_key(tmp_path / "cfg")
    second = load_or_create_kit_key(tmp_path / "cfg")
    assert first.created and not second.created
    assert first.public_key == second.public_key
    assert stat.S_IMODE(os.stat(tmp_path / "cfg" / KIT_KEY_FILE).st_mode) == 0o600


def test_kit_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_kit_key(tmp_path)
    (tmp_path / KIT_KEY_FILE).chmod(0o644)
    with pytest.raises(UsageError, match="chmod 600"):
        load_or_create_kit_key(tmp_path)


def test_config_dir_precedence() -> None:
    env = {"HOME": "/home/t", "XDG_CONFIG_HOME": "/x", "POSDIAG_CONFIG_DIR": "/p"}
    assert config_dir(Path("/e"), env) == Path("/e")
    assert config_dir(None, env) == Path("/p")
    assert config_dir(None, {"HOME": "/home/t", "XDG_CONFIG_HOME": "/x"}) == Path("/x/posdiag")
    assert config_dir(None, {"HOME": "/home/t"}) == Path("/home/t/.config/posdiag")


# --- manifests -------------------------------------------------------------------------------

KIT = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"  # a well-formed public key


def sample_manifest(kit: str, generation: int = 1) -> Manifest:
    segment = SegmentEntry(1, FileEntry("journal-000001-index.json", 300, "ab" * 32), 0, 200, 1,
                           1, 1, {"VISA": [1, 1234]}, parts=1)
    return Manifest(generation=generation, set_id="0" * 32, created="2026-11-25T10:00:00+00:00",
                    tool="posdiag test", kit_key=kit, terminal={"terminal_id": "52500001"},
                    recipients=("age1test",), journal=JournalState(1, 200, 200, 1, 1, True),
                    segments=(segment,))


def test_manifest_round_trips_canonically_and_signs(tmp_path: Path) -> None:
    kit = load_or_create_kit_key(tmp_path)
    data = manifest_to_bytes(sample_manifest(kit.public_key))
    assert manifest_from_bytes(data) == sample_manifest(kit.public_key)
    signature = sign_manifest(data, kit.private_key, "generation 1")
    assert verify_manifest_signature(data, signature, kit.public_key) == "generation 1"
    with pytest.raises(VerificationError):
        verify_manifest_signature(data.replace(b"1234", b"1235"), signature, kit.public_key)
    other = load_or_create_kit_key(tmp_path / "other")
    with pytest.raises(VerificationError, match="another key"):
        verify_manifest_signature(data, signature, other.public_key)


def test_non_canonical_manifest_is_refused(tmp_path: Path) -> None:
    data = manifest_to_bytes(sample_manifest(KIT))
    with pytest.raises(VerificationError, match="canonical"):
        manifest_from_bytes(data.replace(b'"generation":1', b'"generation": 1'))
    for junk in (b"", b"{}", b"\xff", b"[]\n"):
        with pytest.raises(VerificationError):
            manifest_from_bytes(junk)


# --- plan (pure) -------------------------------------------------------------------------------


def test_plan_of_an_empty_folder_starts_at_zero() -> None:
    plan = make_plan(SetState())
    assert (plan.offset, plan.next_index, plan.next_part, plan.next_generation) == (0, 1, 1, 1)
    assert plan.write_readme and plan.set_id is None


def test_plan_resumes_after_the_committed_generation_and_never_reuses_names() -> None:
    manifest = sample_manifest(KIT, generation=3)
    files = ("README.txt", "journal-000001-00001.age", "journal-000001-index.json",
             "journal-000002-00001.age", "journal-000002-00002.seal", "manifest-000003.json",
             "manifest-000003.json.minisig", "manifest-000004.json")
    plan = make_plan(SetState(files, manifest, "cd" * 32, ("manifest-000004.json",)))
    assert plan.offset == 200 and plan.last_seq == 1 and plan.records == 1
    assert plan.next_index == 2 and plan.piece_name() == "journal-000002-00003.age"
    assert plan.index_name() == "journal-000002-index.json"
    assert plan.next_generation == 5 and plan.skipped == ("manifest-000004.json",)
    assert plan.previous is not None and plan.previous.generation == 3
    assert not plan.write_readme
    reserved, part = reserve_part(plan)
    assert part == 3 and reserved.piece_name() == "journal-000002-00004.age"
    piece = Piece(2, 3, FileEntry("journal-000002-00003.age", 9, "e" * 64), 200, 100, 2, 2, 3,
                  {"VISA": [2, 10]})
    later = with_piece(reserved, piece)
    assert (later.offset, later.next_index, later.last_seq, later.records) == (300, 2, 3, 3)
    closed = close_segment(later, FileEntry("journal-000002-index.json", 50, "f" * 64), 978)
    assert closed.next_index == 3 and closed.open_pieces == ()
    assert closed.segments[-1] == SegmentEntry(2, FileEntry("journal-000002-index.json", 50,
                                                            "f" * 64), 200, 100, 2, 2, 3,
                                               {"VISA": [2, 10]}, parts=1)


def test_layout_names() -> None:
    assert free_index_name(7, ["JOURNAL-000007-INDEX.JSON"]) == "journal-000007-index-2.json"
    assert next_part(7, ["journal-000007-00004.seal", "journal-000008-00009.age"]) == 5
    assert next_generation(["manifest-000009.json", "manifest-000011.json.minisig", "x"]) == 12
