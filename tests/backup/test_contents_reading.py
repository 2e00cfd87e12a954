"""How `verify -i` reads a file of the set: never past the size its manifest declares, and
how it counts the lines of the terminal's log (docs/backup-set.md, "verify").

A file is read to at most its declared size + 1 byte: the extra byte is how a file that grew
between the keyless check and decryption is noticed (then it is refused, not read on). A log's
last line counts even without its newline, as the backup counted it when it wrote the log.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from posdiag.backup.contents import _Bounded, log_lines
from posdiag.errors import UnsafeFile

PATH = Path("/media/stick/set/log.age")


def bounded(data: bytes, declared: int) -> _Bounded:
    return _Bounded(io.BytesIO(data), declared, PATH)


def test_a_file_of_its_declared_size_is_read_whole_and_then_ends() -> None:
    reader = bounded(b"0123456789", 10)
    assert reader.read() == b"0123456789"
    assert reader.read() == b""
    assert reader.read(5) == b""


def test_a_file_is_read_in_the_pieces_asked_for() -> None:
    reader = bounded(b"0123456789", 10)
    assert [reader.read(4), reader.read(1), reader.read(0), reader.read(4), reader.read(4)] == [
        b"0123", b"4", b"", b"5678", b"9"]
    assert reader.read(-1) == b""


@pytest.mark.parametrize("declared", [2, 5, 9])
def test_a_file_longer_than_declared_is_refused_at_the_first_extra_byte(declared: int) -> None:
    reader = bounded(b"0123456789", declared)
    with pytest.raises(UnsafeFile) as caught:
        while reader.read(1):
            pass
    assert str(caught.value) == (f"{PATH} is longer than the manifest says; it was changed "
                                 "while being read.")
    with pytest.raises(UnsafeFile):
        bounded(b"0123456789", declared).read()


def test_a_file_shorter_than_declared_just_ends() -> None:
    # Its size and hash were checked before, keylessly: a shorter file fails there.
    assert bounded(b"0123", 10).read() == b"0123"


@pytest.mark.parametrize(("length", "newlines", "ends_with_newline", "lines"), [
    (0, 0, False, 0),  # an empty log has no line
    (7, 0, False, 1),  # one line without its newline
    (8, 1, True, 1),
    (30, 3, True, 3),
    (31, 3, False, 4),  # the last line lacks its newline: it still counts
    (400, 300, True, 300),
    (401, 300, False, 301),
])
def test_a_log_counts_its_lines_as_the_writer_did(length: int, newlines: int,
                                                  ends_with_newline: bool, lines: int) -> None:
    assert log_lines(length, newlines, ends_with_newline) == lines
