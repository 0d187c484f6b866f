"""Plugins: hook specs, `followup plugins`, checks on bad plugins, derived values, and a pip-installed channel."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup import Engine, PluginError, hookimpl, hookspecs
from followup.channels import Channel, Delivery
from followup.cli import cli
from followup.enrich import enricher

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"
FOLLOWUP = Path(sys.executable).with_name("followup")
EXAMPLE = ROOT / "examples" / "plugins" / "followup-todotxt"
BUILTIN_CHANNELS = {"terminal", "json", "markdown", "ics", "email", "webhook", "drafts"}


def hook_specs() -> dict[str, Callable[..., object]]:
    return {n: f for n, f in vars(hookspecs).items() if n.startswith("followup_") and callable(f)}


def signature_text(fn: Callable[..., object]) -> str:
    sig = inspect.signature(fn)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{fn.__name__}({params}) -> {sig.return_annotation}"


# --- specs and docs -------------------------------------------------------------


def test_every_hook_spec_is_typed_documented_and_in_docs_plugins_md() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text()
    specs = hook_specs()
    assert {"followup_packs", "followup_register_channels", "followup_enrich_facts", "followup_draft_templates"} <= set(specs)
    for name, fn in specs.items():
        assert fn.__doc__ and "Called" in fn.__doc__, f"{name} must say when it is called"
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())
        assert signature_text(fn) in doc, f"docs/plugins.md lacks `{signature_text(fn)}`"
    documented = set(re.findall(r"^### `(followup_\w+)", doc, re.M))
    assert documented == set(specs), "docs/plugins.md documents hooks that do not exist (or misses some)"


def test_docs_list_the_exit_codes_and_channel_syntax() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text()
    for text in ("NAME[:ARG][,key=value...]", "| 3 |", "followup outbox retry", "FOLLOWUP_LOAD_PLUGINS", "--resend"):
        assert text in doc
    for name in BUILTIN_CHANNELS:
        assert f"`{name}" in doc


# --- followup plugins --------------------------------------------------------------


def test_plugins_command_lists_builtins_with_hooks_versions_channels_and_packs() -> None:
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["followup.plugins.builtin_packs"]["hooks"] == ["followup_packs"]
    assert any(p.endswith("proactive.yaml") for p in rows["followup.plugins.builtin_packs"]["packs"])
    channels = {c["name"] for r in rows.values() for c in r["channels"]}
    assert channels >= BUILTIN_CHANNELS
    cal = rows["followup.plugins.calendar_channel"]
    assert cal["builtin"] and cal["version"] and cal["hooks"] == ["followup_register_channels"]
    assert set(cal["channels"][0]["options"]) == {"mode", "alarm", "duration"}
    text = CliRunner().invoke(cli, ["plugins"]).stdout
    assert "channel ics:FILE" in text and "mode=" in text and "channel drafts[:DIR]" in text


# --- bad plugins ------------------------------------------------------------------


class Misspelt:
    @hookimpl
    def followup_register_channel(self, register):  # missing the final s
        pass


class Undecorated:
    def followup_packs(self):
        return []


class Clash:
    class Json(Channel):
        name = "json"

        def deliver(self, delivery: Delivery) -> str:
            return ""

    @hookimpl
    def followup_register_channels(self, register):
        register(self.Json)


def test_hook_names_matching_no_spec_are_reported_with_a_fix() -> None:
    with pytest.raises(PluginError, match=r"followup_register_channel.*not a followup hook.*rename it to followup_register_channels"):
        Engine(load_entrypoints=False, plugins=[Misspelt()])
    with pytest.raises(PluginError, match="without @hookimpl"):
        Engine(load_entrypoints=False, plugins=[Undecorated()])


def test_two_plugins_registering_one_channel_name_is_an_error() -> None:
    engine = Engine(load_entrypoints=False, plugins=[Clash()])
    with pytest.raises(PluginError, match="channel 'json' is registered by both"):
        engine.channels()


def test_plugin_managers_are_per_engine() -> None:
    a, b = Engine(load_entrypoints=False), Engine(load_entrypoints=False, plugins=[Clash()])
    assert a.pm is not b.pm
    assert len(a.channels()) == len(BUILTIN_CHANNELS)


# --- derived values ---------------------------------------------------------------


class AlreadyAsked:
    """Pretends the decision date was asked (as if read from the candidate's mail)."""

    @hookimpl
    def followup_enrich_facts(self, facts, at, values):
        assert values["decision.asked"] is False
        return {"decision.asked": True}


class WrongType:
    @hookimpl
    def followup_enrich_facts(self, facts, at, values):
        return {"days_since_interview": "three"}


class Unknown:
    @hookimpl
    def followup_enrich_facts(self, facts, at, values):
        return {"mood": "good"}


def test_enrich_hook_changes_what_rules_see_and_costs_nothing_when_absent() -> None:
    plain = Engine(load_entrypoints=False)
    assert enricher(plain.pm) is None  # evaluation skips the hook entirely
    base = plain.advise(JUST_AFTER, "proactive", AT)
    enriched = Engine(load_entrypoints=False, plugins=[AlreadyAsked()]).advise(JUST_AFTER, "proactive", AT)
    assert "ask_decision_date" in {a.kind for a in base.actions}
    assert "ask_decision_date" not in {a.kind for a in enriched.actions}
    with pytest.raises(PluginError, match="returned 'three' for 'days_since_interview': return a int"):
        Engine(load_entrypoints=False, plugins=[WrongType()]).advise(JUST_AFTER, "proactive", AT)
    with pytest.raises(PluginError, match="'mood', which is not a case fact"):
        Engine(load_entrypoints=False, plugins=[Unknown()]).advise(JUST_AFTER, "proactive", AT)


# --- a third-party plugin, installed with pip ------------------------------------


@pytest.fixture(scope="session")
def todotxt_installed(tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("plugin") / "followup-todotxt"
    shutil.copytree(EXAMPLE, src)  # build in a copy: no build/ or egg-info left in the repository
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "-q", str(src)], check=True,
                   capture_output=True, timeout=300)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        subprocess.run([*pip, "uninstall", "-y", "-q", "followup-todotxt"], check=True, capture_output=True, timeout=120)
        importlib.invalidate_caches()


def test_installed_plugin_is_listed_and_its_channel_works(todotxt_installed, tmp_path: Path) -> None:
    rows = {r["name"]: r for r in json.loads(CliRunner().invoke(cli, ["plugins", "--json"]).stdout)}
    todo = rows["todotxt"]
    assert (todo["distribution"], todo["version"], todo["builtin"]) == ("followup-todotxt", "0.1.0", False)
    assert [c["name"] for c in todo["channels"]] == ["todotxt"]

    todo_file = tmp_path / "todo.txt"
    todo_file.write_text("(A) call mum\n")
    env = {**os.environ, "FOLLOWUP_HOME": str(tmp_path / "state")}
    cmd = [str(FOLLOWUP), "advise", str(JUST_AFTER), "--pack", "proactive", "--at", AT, "--to", f"todotxt:{todo_file}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = todo_file.read_text().splitlines()
    assert lines[0] == "(A) call mum"
    assert any(ln.startswith("(A) 2026-11-17 Send a thank-you to Dana Lee by email") and "due:2026-11-17" in ln for ln in lines)
    subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=True)
    assert todo_file.read_text().splitlines() == lines  # re-run updates in place, no duplicates
    shown = subprocess.run([str(FOLLOWUP), "plugins"], capture_output=True, text=True, env=env, timeout=60)
    assert "todotxt  (followup-todotxt 0.1.0)" in shown.stdout and "channel todotxt:FILE" in shown.stdout


def test_followup_load_plugins_limits_what_loads(todotxt_installed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "")
    assert "todotxt" not in Engine().channels()
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "todotxt")
    assert "todotxt" in Engine().channels()
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "followup-todotxt")  # the distribution name works too
    assert "todotxt" in Engine().channels()
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "followup-nope")
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 2 and "FOLLOWUP_LOAD_PLUGINS names followup-nope" in result.output
    # built-ins always load
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "")
    assert set(Engine().channels()) >= BUILTIN_CHANNELS
