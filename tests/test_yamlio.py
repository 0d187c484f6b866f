"""Atomic writes and located YAML reading."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from followup.yamlio import atomic_write, load_document


def test_atomic_write_new_file_gets_umask_mode_and_existing_mode_is_kept(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "a.txt"
        atomic_write(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        fresh.chmod(0o600)
        atomic_write(fresh, "y")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600 and fresh.read_text() == "y"
    finally:
        os.umask(old)


def test_atomic_write_leaves_old_content_and_no_temp_file_when_it_fails(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_duplicate_keys_are_a_located_error() -> None:
    doc, problem = load_document("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert doc is None and problem is not None
    assert problem.line == 3 and "appears twice" in problem.message


def test_timestamps_stay_text_so_offsets_are_never_lost() -> None:
    doc, _ = load_document("at: 2026-11-17 14:00\n", "x.yaml")
    assert doc.data["at"] == "2026-11-17 14:00"


def test_the_fast_path_resolves_with_ruamels_own_yaml_1_2_table() -> None:
    """fastyaml writes ruamel's table out (so reading a valid file needs no ruamel): it must stay ruamel's."""
    from ruamel.yaml.resolver import implicit_resolvers

    from followup.fastyaml import _PLAIN_TAGS, YAML12_FLAGS, YAML12_RESOLVERS

    theirs = [(tag, rx.pattern, tuple(first), rx.flags) for versions, tag, rx, first in implicit_resolvers
              if (1, 2) in versions and tag in _PLAIN_TAGS]
    ours = [(tag, pattern, first, int(YAML12_FLAGS)) for tag, pattern, first in YAML12_RESOLVERS]
    assert ours == theirs
