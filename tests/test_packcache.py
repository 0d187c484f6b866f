"""Packs from the cache folder: the same advice and the same located errors as reading the files, always.

Each Engine here is new, so only the cache folder (not an engine's own
memory) can carry a pack from one reading to the next.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import followup.packcache as packcache
from authoring_support import AT, EXAMPLE, pack, rule, write
from followup import usercache
from followup.engine import Engine
from followup.errors import PackError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    return folder


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The pack files read afresh (not taken from the cache), in order."""
    seen: list[Path] = []
    real: Callable[..., Any] = packcache.load_resolved

    def counting(path: Path, lookup: Any = None) -> Any:
        seen.append(Path(path))
        return real(path, lookup)

    monkeypatch.setattr(packcache, "load_resolved", counting)
    return seen


def advice(pack_: str | Path, facts: Path = EXAMPLE, at: str = AT) -> dict[str, Any]:
    out: dict[str, Any] = Engine(load_entrypoints=False).advise(facts, str(pack_), at, explain=True).model_dump(mode="json")
    return out


def error(pack_: str | Path) -> list[str]:
    with pytest.raises(PackError) as exc:
        Engine(load_entrypoints=False).load_pack(str(pack_))
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("name", ["conservative", "proactive", "tech-industry"])
def test_built_in_packs_advise_the_same_read_cached_and_uncached(name: str, cache: Path, readings: list[Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = [advice(name, facts) for facts in EXAMPLES]  # reads the file, fills the cache
    assert len(readings) == 1 and list(cache.rglob("*.json"))
    cached = [advice(name, facts) for facts in EXAMPLES]
    assert len(readings) == 1  # every later engine took it from the cache
    monkeypatch.setenv(usercache.ENV_VAR, "")
    uncached = [advice(name, facts) for facts in EXAMPLES]
    assert first == cached == uncached
    assert len(readings) == 1 + len(EXAMPLES)  # without a cache folder, every engine reads the file


def test_a_cached_pack_locates_its_rules_in_its_file(cache: Path) -> None:
    fresh = Engine(load_entrypoints=False).load_pack("proactive")
    cached = Engine(load_entrypoints=False).load_pack("proactive")
    assert fresh.file.doc is not None and cached.file.doc is not None
    assert cached.file.doc is not fresh.file.doc
    for i in range(len(fresh.rules)):
        where = ("rules", i, "when")
        assert cached.file.doc.locate(where) == fresh.file.doc.locate(where)
    assert cached.file.doc.data == fresh.file.doc.data
    assert cached.file.conditions == fresh.file.conditions


def test_an_edited_pack_is_read_again(tmp_path: Path, cache: Path, readings: list[Path]) -> None:
    path = write(tmp_path, "mine.yaml", pack("mine", rule("search", extra="title: Keep looking")))
    assert advice(path)["actions"][0]["title"] == "Keep looking"
    assert advice(path)["actions"][0]["title"] == "Keep looking"
    assert len(readings) == 1
    stat = path.stat()
    # same size, same modification time: only the content hash tells
    path.write_text(path.read_text().replace("Keep looking", "Keep lookinG"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert advice(path)["actions"][0]["title"] == "Keep lookinG"
    assert len(readings) == 2


def test_an_edit_that_breaks_the_pack_gives_the_errors_of_a_reading(tmp_path: Path, cache: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "mine.yaml", pack("mine", rule("search")))
    advice(path)
    path.write_text(path.read_text().replace("channel: none", "channel: emial"))
    with_cache = error(path)
    assert "emial" in with_cache[0] and f"{path}:" in with_cache[0]
    assert error(path) == with_cache  # a pack with problems is never kept: read again, same errors
    monkeypatch.setenv(usercache.ENV_VAR, "")
    assert error(path) == with_cache


def test_a_changed_base_is_followed_through_the_chain(tmp_path: Path, cache: Path, readings: list[Path]) -> None:
    write(tmp_path, "base.yaml", pack("base", rule("search", extra="title: From the base")))
    child = write(tmp_path, "child.yaml", pack("child", rule("extra", priority="low"), head="extends: ./base.yaml"))
    assert advice(child)["actions"][0]["title"] == "From the base"
    assert advice(child)["actions"][0]["title"] == "From the base"
    assert len(readings) == 1
    write(tmp_path, "base.yaml", pack("base", rule("search", extra="title: Base, edited")))
    assert advice(child)["actions"][0]["title"] == "Base, edited"
    (tmp_path / "base.yaml").unlink()
    assert "no pack file at ./base.yaml" in error(child)[0]


def test_a_base_found_by_name_is_looked_up_again(tmp_path: Path, cache: Path, readings: list[Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    child = write(tmp_path / "mine", "child.yaml", pack("child", head="extends: shared\ndisable: []"))
    write(tmp_path / "first", "shared.yaml", pack("shared", rule("search", extra="title: First shared")))
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path / "first"))
    assert advice(child)["actions"][0]["title"] == "First shared"
    assert advice(child)["actions"][0]["title"] == "First shared"
    assert len(readings) == 1
    # a folder earlier on the search path now has a pack of that name: it is the base from now on
    write(tmp_path / "second", "shared.yaml", pack("shared", rule("search", extra="title: Second shared")))
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", os.pathsep.join([str(tmp_path / "second"), str(tmp_path / "first")]))
    assert advice(child)["actions"][0]["title"] == "Second shared"
    assert len(readings) == 2


def test_a_corrupt_foreign_or_shared_entry_is_ignored_and_rebuilt(cache: Path, readings: list[Path]) -> None:
    expected = advice("conservative")
    (entry,) = (cache / "packs").glob("*.json")
    for damage in (b"", b"{\"format\": 1", b"[1, 2, 3]", b'{"format": 1, "key": "another", "data": {}}',
                   entry.read_bytes().replace(b'"rules"', b'"rulez"')):
        entry.write_bytes(damage)
        assert advice("conservative") == expected
    entry.write_bytes(entry.read_bytes())
    os.chmod(entry, 0o664)  # someone else may write it: it could say anything
    before = len(readings)
    assert advice("conservative") == expected
    assert len(readings) == before + 1


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("in the way")
    monkeypatch.setenv(usercache.ENV_VAR, str(tmp_path / "a-file" / "cache"))
    assert advice("proactive") == advice("proactive")
