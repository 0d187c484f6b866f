"""Where packs are found: a path, FOLLOWUP_PACKS_PATH, installed plugins, built-ins (in that order)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from authoring_support import AT, EXAMPLE, pack, rule, run, write
from followup import hookimpl
from followup.cli import cli
from followup.engine import Engine
from followup.errors import PackNotFound


def plugin_with(folder: Path) -> SimpleNamespace:
    @hookimpl
    def followup_packs() -> list[Path]:
        return [folder]

    return SimpleNamespace(__name__="agency_plugin", followup_packs=followup_packs)


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    env1, env2, plug = tmp_path / "env1", tmp_path / "env2", tmp_path / "plugin"
    write(env1, "alpha.yaml", pack("alpha", rule("a")))
    write(env2, "alpha.yaml", pack("alpha", rule("a2")))
    write(env2, "conservative.yaml", pack("conservative", rule("mine")))
    write(plug, "beta.yaml", pack("beta", rule("b")))
    write(plug, "alpha.yaml", pack("alpha", rule("a3")))
    write(plug, "tests/beta.yaml", "cases: []\n")  # a tests folder is not scanned for packs
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", os.pathsep.join([str(env1), str(env2)]))
    return SimpleNamespace(env1=env1, env2=env2, plug=plug, engine=Engine(load_entrypoints=False, plugins=[plugin_with(plug)]))


def test_search_order(places: SimpleNamespace) -> None:
    locs = places.engine.pack_locations()
    assert [(loc.name, loc.source) for loc in locs if loc.name in ("alpha", "beta", "conservative")] == [
        ("alpha", "FOLLOWUP_PACKS_PATH"), ("alpha", "FOLLOWUP_PACKS_PATH"), ("conservative", "FOLLOWUP_PACKS_PATH"),
        ("alpha", "plugin agency_plugin"), ("beta", "plugin agency_plugin"), ("conservative", "built-in")]
    paths = places.engine.pack_paths()
    assert paths["alpha"] == places.env1 / "alpha.yaml"  # first folder wins
    assert paths["beta"] == places.plug / "beta.yaml"
    assert paths["conservative"] == places.env2 / "conservative.yaml"  # a user pack shadows a built-in
    assert paths["proactive"].parent.name == "policies"
    assert "sources" not in paths


def test_path_given_comes_first(places: SimpleNamespace, tmp_path: Path) -> None:
    own = write(tmp_path, "elsewhere/alpha.yaml", pack("alpha", rule("given")))
    assert places.engine.find_pack(str(own)) == own
    assert [cr.rule.id for cr in places.engine.load_pack(own).rules] == ["given"]
    assert [cr.rule.id for cr in places.engine.load_pack("alpha").rules] == ["a"]


def test_plugin_pack_can_be_extended_and_advised(places: SimpleNamespace, tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", pack("child", rule("extra", action="write_notes"), head="extends: beta"))
    advice = places.engine.advise(EXAMPLE, child, AT)
    assert {(a.rule, a.pack) for a in advice.actions} == {("b", "beta"), ("extra", "child")}


def test_unknown_name_suggests(places: SimpleNamespace) -> None:
    with pytest.raises(PackNotFound, match=r"no pack named 'bta': did you mean `beta`\?"):
        places.engine.find_pack("bta")


def test_packs_command_shows_sources_and_shadowing(places: SimpleNamespace) -> None:
    result = run("packs", engine_=places.engine)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "alpha             Alpha (v1, 1 rule) [FOLLOWUP_PACKS_PATH]" in out
    assert f"! shadows {places.env2 / 'alpha.yaml'}" in out
    assert f"! shadows {places.plug / 'alpha.yaml'}" in out
    assert f"! shadowed by {places.env1 / 'alpha.yaml'}:\n" in out and "--pack alpha does not select this one" in out
    assert "[plugin agency_plugin]" in out and "[built-in]" in out
    rows = json.loads(run("packs", "--json", engine_=places.engine).output)
    cons = [r for r in rows if r["name"] == "conservative"]
    assert [r["source"] for r in cons] == ["FOLLOWUP_PACKS_PATH", "built-in"]
    assert cons[1]["shadowed_by"] == str(places.env2 / "conservative.yaml")
    assert cons[0]["shadows"] == [cons[1]["path"]]


def test_packs_command_flags_an_invalid_pack_without_failing(places: SimpleNamespace) -> None:
    write(places.env1, "broken.yaml", pack("broken", rule("x", when="{follow_ups.cont: 1}")))
    result = run("packs", engine_=places.engine)
    assert result.exit_code == 0
    assert "broken            INVALID [FOLLOWUP_PACKS_PATH]" in result.output
    assert "unknown fact `follow_ups.cont`" in result.output
    assert "run `followup validate" in result.output


def test_builtins_listed_last_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLLOWUP_PACKS_PATH", raising=False)
    locs = Engine(load_entrypoints=False).pack_locations()
    assert {"conservative", "proactive", "tech-industry"} <= {loc.name for loc in locs}
    assert locs[-1].source == "built-in"


def test_packs_and_advise_as_a_subprocess(tmp_path: Path) -> None:
    folder = tmp_path / "packs"
    write(folder, "agency.yaml", pack("agency", head="extends: conservative\ndisable: [keep-searching]"))
    env = {**os.environ, "FOLLOWUP_PACKS_PATH": str(folder), "FOLLOWUP_LOAD_PLUGINS": ""}
    exe = str(Path(sys.executable).parent / "followup")
    listing = subprocess.run([exe, "packs"], capture_output=True, text=True, env=env)
    assert listing.returncode == 0, listing.stderr
    flat = " ".join(listing.stdout.split())  # wrapped to the terminal (80 columns in a pipe)
    assert "agency Agency (v1," in flat and "extends conservative) [FOLLOWUP_PACKS_PATH]" in flat
    assert max(len(line) for line in listing.stdout.splitlines() if "/" not in line) <= 80
    advice = subprocess.run([exe, "advise", str(EXAMPLE), "--pack", "agency", "--at", AT, "--format", "json"],
                            capture_output=True, text=True, env=env)
    assert advice.returncode == 0, advice.stderr
    data = json.loads(advice.stdout)
    assert data["pack"]["name"] == "agency"
    assert data["actions"] and {a["pack"] for a in data["actions"]} == {"conservative"}
    assert "keep-searching" not in {a["rule"] for a in data["actions"]}


def test_missing_folder_in_the_search_path_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path / "nowhere"))
    e = Engine(load_entrypoints=False)
    assert all(loc.source == "built-in" for loc in e.pack_locations())
    result = CliRunner().invoke(cli, ["packs"], obj={"engine": e})
    assert result.exit_code == 0
    assert f"warning: FOLLOWUP_PACKS_PATH names {tmp_path / 'nowhere'}, which is not a folder" in result.stderr
    with pytest.raises(PackNotFound, match=r"note: FOLLOWUP_PACKS_PATH names .*nowhere, which is not a folder"):
        e.find_pack("agency")


def test_single_pack_file_in_the_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path, "solo.yaml", pack("solo", rule("s")))
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(f))
    assert Engine(load_entrypoints=False).find_pack("solo") == f


def test_name_lookup_is_cached_until_the_search_path_or_a_file_changes(places: SimpleNamespace,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import followup.engine as engine_module

    engine = places.engine
    lookups = []
    real = engine_module.discover
    monkeypatch.setattr(engine_module, "discover", lambda *a, **k: lookups.append(1) or real(*a, **k))
    first = engine.load_pack("alpha")
    asked = len(lookups)
    assert asked and all(engine.load_pack("alpha") is first for _ in range(50))
    assert len(lookups) == asked  # found once, then only stat'd

    # a pack added to an earlier folder of the search path now shadows the found one
    added = write(places.env1, "beta.yaml", pack("beta", rule("b-env")))
    assert [cr.rule.id for cr in engine.load_pack("beta").rules] == ["b-env"]
    added.unlink()
    os.utime(places.env1, ns=(0, os.stat(places.env1).st_mtime_ns + 5_000_000_000))  # same-tick deletes show too
    assert [cr.rule.id for cr in engine.load_pack("beta").rules] == ["b"]

    # an edited pack file is recompiled
    path = places.env1 / "alpha.yaml"
    path.write_text(pack("alpha", rule("a-edited")))
    os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 5_000_000_000))
    assert [cr.rule.id for cr in engine.load_pack("alpha").rules] == ["a-edited"]

    # a different search path selects again
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(places.env2))
    assert [cr.rule.id for cr in engine.load_pack("alpha").rules] == ["a2"]


def test_a_built_in_pack_by_name_costs_no_stat_while_a_pack_file_is_watched(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A built-in pack is part of the installed package: like its code it is read once per
    # process, and naming it costs no system call. A pack of one's own, and a built-in pack
    # it extends, are watched by the own file's stat; a search path by its folders'.
    import followup.engine as engine_module

    monkeypatch.delenv("FOLLOWUP_PACKS_PATH", raising=False)
    engine = Engine(load_entrypoints=False)
    own = write(tmp_path, "own.yaml", "name: own\ntitle: Own\nsummary: s\nextends: proactive\n"
                                       "disable: [write-notes]\n")
    builtin = engine.load_pack("proactive")
    extended = engine.load_pack(own)
    stats: list[str] = []
    real = os.stat
    monkeypatch.setattr(engine_module.os, "stat", lambda p, *a, **k: stats.append(str(p)) or real(p, *a, **k))
    assert all(engine.load_pack("proactive") is builtin for _ in range(5))
    assert stats == []
    assert all(engine.load_pack(own) is extended for _ in range(5))
    assert stats == [str(own)] * 5

    stats.clear()
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path))
    assert engine.load_pack("proactive").file.pack.name == "proactive"
    stats.clear()
    engine.load_pack("proactive")
    assert stats == [str(tmp_path)]  # a pack added to the folder would shadow the built-in one
    write(tmp_path, "proactive.yaml", "name: proactive\ntitle: Mine\nsummary: s\nextends: conservative\n")
    os.utime(tmp_path, ns=(0, os.stat(tmp_path).st_mtime_ns + 5_000_000_000))
    assert engine.load_pack("proactive").file.pack.title == "Mine"
