"""`followup advise` starts fast: it imports what advice needs, not the libraries of other commands.

Start-up time itself is measured by benchmarks/bench.py; this keeps the
imports that made it slow from coming back.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest

import followup

ROOT = Path(__file__).resolve().parents[1]

# Libraries only some channels or commands use, each costing milliseconds to import.
NOT_FOR_ADVICE = ("rich", "icalendar", "jinja2", "smtplib", "matplotlib", "followup.planning", "followup.comparison",
                  "followup.corpus_compare", "followup.drafts", "followup.compare_render",
                  # the webhook channel sends through these only when a webhook is asked for
                  "ssl", "http.client", "urllib.request",
                  # ruamel reads files that are not plain YAML or are wrong, and rewrites files: not a valid file
                  "ruamel.yaml",
                  # holiday tables come from the cache folder once read (the hint asks about the country)
                  "holidays",
                  # a facts file read before comes from the cache folder, plain values need no YAML library
                  "yaml",
                  # entry points are listed once per change of what is installed; pydantic is told it has no plugins
                  "importlib.metadata", "email", "csv",
                  # bundled files are read from their folder; saving a file needs no tempfile (shutil, bz2, lzma)
                  "importlib.resources", "zipfile", "tempfile", "shutil", "bz2", "lzma")

PROBE = """
import io, contextlib, json, sys
from followup.cli import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        cli(["advise", sys.argv[1], "--pack", "proactive", "--at", "2026-11-17T16:00"], prog_name="followup")
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps({"output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def probe(code: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_followup_advise_imports_no_library_it_does_not_use() -> None:
    from followup import entrypoints

    # A distribution installed in the last seconds (a test's plugin) keeps the entry points from being listed
    # in the cache folder until it has settled (see entrypoints.installed): let it settle.
    _, newest = entrypoints._path_key()
    time.sleep(max(0.0, (newest + entrypoints._SETTLED_NS - time.time_ns()) / 1e9))
    first = probe(PROBE, str(ROOT / "examples" / "just-after.yaml"))  # fills the cache folder
    result = probe(PROBE, str(ROOT / "examples" / "just-after.yaml"))
    assert "Send a thank-you" in result["output"]
    assert result["output"] == first["output"]
    loaded = set(result["modules"])
    assert not [m for m in NOT_FOR_ADVICE if m in loaded]


def test_every_public_name_is_importable_and_listed_for_lazy_import() -> None:
    init = Path(followup.__file__)
    tree = ast.parse(init.read_text(encoding="utf-8"))
    typed = {alias.asname or alias.name: f".{node.module}" for block in tree.body if isinstance(block, ast.If)
             for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == followup._LAZY  # the names type checkers see are the names served at run time
    assert set(followup.__all__) <= set(followup._LAZY) | {"advise"}
    for name in followup.__all__:
        assert getattr(followup, name) is not None


HELP_PROBE = """
import io, contextlib, json, sys
from followup.cli import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        cli(["--help"], prog_name="followup")
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps({"output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_followup_help_imports_no_command_module_and_none_of_the_library() -> None:
    result = probe(HELP_PROBE)
    assert "advise" in result["output"] and "validate" in result["output"]
    loaded = set(result["modules"])
    assert sorted(m for m in loaded if m.startswith("followup")) == [
        "followup", "followup.cli", "followup.cli.base", "followup.errors", "followup.version"]
    assert not {"pydantic", "durable_rules_engine", "pluggy", "yaml", "orjson"} & loaded


@pytest.mark.parametrize("width", [60, 80, 200])
def test_help_lists_what_the_commands_themselves_say(width: int) -> None:
    """The summaries --help shows without importing the commands are the commands' own, laid out alike."""
    from click.testing import CliRunner

    from followup.cli import COMMANDS, SUMMARIES, cli

    runner = CliRunner()
    quick = runner.invoke(cli, ["--help"], terminal_width=width)
    assert quick.exit_code == 0, quick.output
    ctx = click.Context(cli)
    every = cli.list_commands(ctx)  # imports every command module
    assert sorted(SUMMARIES) == sorted(COMMANDS) == every
    for name in every:
        cmd = cli.get_command(ctx, name)
        assert cmd is not None and not cmd.short_help and not cmd.deprecated, name
        stand_in = click.Command(name, help=SUMMARIES[name])
        for limit in (12, 30, 45, 74, 500):
            assert stand_in.get_short_help_str(limit) == cmd.get_short_help_str(limit), (name, limit)
    formatter = click.HelpFormatter(width=width)
    click.Group.format_commands(cli, ctx, formatter)  # click's own listing, from the real commands
    assert formatter.getvalue() in quick.output


def test_the_cli_collects_garbage_less_often_but_still_collects() -> None:
    """Start-up skips most young collections; a long command (serve, batch) must still free its cycles."""
    code = ("import atexit, gc, json, sys\nfrom followup.cli import main\nsys.argv = ['followup', '--version']\n"
            "atexit.register(lambda: print(json.dumps({'enabled': gc.isenabled(), 'threshold': gc.get_threshold()})))\n"
            "main()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout.splitlines()[-1])
    assert state["enabled"] and 10_000 <= state["threshold"][0] <= 100_000


def test_plain_values_read_without_libyaml_as_libyaml_reads_them() -> None:
    from followup import fastyaml

    samples = ["true", "False", "TRUE", "null", "Null", "~", "42", "0x1F", "0o17", "0b101", "1_000", "010", "3.5",
               "1e3", "12:30", "2026-11-24", "2026-11-24T17:00:00+00:00", "GB", "a@b.example", "a:b", "http://x/y",
               "yes", "no", "on", "NaN", "inf", "1" * 80, "x" * 70, "a_b", "0", "9" * 40]
    for text in samples:
        simple, value = fastyaml._plain_scalar(text)
        loader = fastyaml._loader_class()(text)  # the libyaml reading
        try:
            expected = fastyaml._construct(loader.get_single_node())
        finally:
            loader.dispose()
        if simple:
            assert value == expected and type(value) is type(expected), text
    for text in ("a: b", "a:", "- a", "[a]", "{a: 1}", "a #b", "'a'", "&a x", "a b", ".5", "-1", "@x", "|", ">"):
        assert fastyaml._plain_scalar(text) == (False, None), text


def test_a_facts_file_read_again_comes_from_the_cache_only_while_unchanged(tmp_path: Path) -> None:
    from followup import fastyaml

    path = tmp_path / "case.yaml"
    path.write_text("company: {name: Acme}\nnotes: first\n")
    first = fastyaml.fast_load(path.read_text(), str(path))
    assert first == {"company": {"name": "Acme"}, "notes": "first"}
    assert fastyaml.fast_load(path.read_text(), str(path)) == first
    path.write_text("company: {name: Acme}\nnotes: second\n")
    assert fastyaml.fast_load(path.read_text(), str(path))["notes"] == "second"
    path.write_text("x: .nan\n")  # not a JSON value: read every time, never cached wrong
    assert fastyaml.fast_load(path.read_text(), str(path))["x"] != fastyaml.fast_load(path.read_text(), str(path))["x"]


def test_entry_points_are_read_again_when_something_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from followup import entrypoints

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert not [f for f in entrypoints.installed() if f.distribution == "followup-demo"]
    info = site / "followup_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: followup-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[followup]\ndemo = followup_demo\n\n[pydantic]\nspy = followup_demo:spy\n")
    found = [f for f in entrypoints.installed() if f.distribution == "followup-demo"]
    assert sorted(found) == [("followup", "demo", "followup_demo", "followup-demo", "1.0"),
                             ("pydantic", "spy", "followup_demo:spy", "followup-demo", "1.0")]
    assert entrypoints.pydantic_has_plugins()  # so pydantic is left to load its plugin itself
    import shutil

    shutil.rmtree(info)
    assert not [f for f in entrypoints.installed() if f.distribution == "followup-demo"]


EXIT_PROBE = """
import atexit, sys, threading, time
from pathlib import Path
from followup.cli import main
late = Path(sys.argv[1])
atexit.register(lambda: print("exit handler ran", flush=True))
if sys.argv[2] == "thread":
    def write_late() -> None:
        time.sleep(0.2)
        late.write_text("written")
    threading.Thread(target=write_late).start()
sys.argv = ["followup", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize("thread", ["thread", "alone"])
def test_the_cli_ends_without_tearing_down_python_yet_runs_exit_handlers_and_waits_for_threads(
        thread: str, tmp_path: Path) -> None:
    """Commands end with os._exit after their output: atexit handlers, flushed output and threads still count."""
    late = tmp_path / "late.txt"
    ok = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(late), thread, "advise",
                         str(ROOT / "examples" / "just-after.yaml"), "--pack", "proactive", "--at", "2026-11-17T16:00"],
                        capture_output=True, text=True, timeout=120,
                        env={**os.environ, "FOLLOWUP_HOME": str(tmp_path / "home")})
    assert ok.returncode == 0, ok.stderr
    assert "Send a thank-you" in ok.stdout and ok.stdout.rstrip().endswith("exit handler ran")
    assert late.exists() == (thread == "thread")
    bad = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(late), "alone", "advise", str(tmp_path / "none.yaml")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "cannot read facts" in bad.stderr and "exit handler ran" in bad.stdout


def test_a_pydantic_plugin_installed_is_still_loaded_by_pydantic(tmp_path: Path) -> None:
    """followup answers pydantic's plugin search only while no pydantic plugin is installed."""
    site = tmp_path / "site"
    info = site / "spy_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n")
    seen = tmp_path / "seen.txt"
    (site / "spy_plugin.py").write_text(
        "import os\n"
        "class Plugin:\n"
        "    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):\n"
        "        with open(os.environ['SPY_SEEN'], 'a') as f:\n"
        "            f.write(path.name + '\\n')\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n")
    env = {**os.environ, "PYTHONPATH": str(site), "SPY_SEEN": str(seen), "FOLLOWUP_HOME": str(tmp_path / "home")}
    argv = [sys.executable, "-m", "followup", "advise", str(ROOT / "examples" / "just-after.yaml"), "--pack", "proactive",
            "--at", "2026-11-17T16:00"]
    for _ in range(2):  # the listing of entry points read afresh, then as kept (once its folders have settled)
        if seen.exists():
            seen.unlink()
        run = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
        assert run.returncode == 0, run.stderr
        assert "Facts" in seen.read_text().split()


def test_a_plan_is_kept_by_the_rules_and_the_limits_and_read_back_only_whole(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Path) -> None:
    """Planning rulesets is quadratic; a pack planned before is read back, the same plan exactly."""
    from followup import sharding
    from followup.conditions import Test, to_durable

    monkeypatch.setenv("FOLLOWUP_CACHE_DIR", str(tmp_path / "cache"))
    guard = {"k": "c"}
    rules = {f"r{i}": {"$and": [guard, to_durable(Test("hours_since_interview", "ge", float(-i)), lambda f: "f0")]}
             for i in range(200)}
    fresh = sharding.plan(rules)
    assert len(fresh[0]) >= 4  # several rulesets, so the order within and across them counts
    assert sharding.planned_rulesets(rules) == fresh
    real_plan = sharding.plan
    monkeypatch.setattr(sharding, "plan", lambda r: pytest.fail("planned again"))
    assert sharding.planned_rulesets(rules) == fresh
    (entry,) = (tmp_path / "cache" / "plans").glob("*.json")
    kept = json.loads(entry.read_text())
    kept["data"]["shards"][0].pop()  # a rule lost: not a plan of these rules
    entry.write_text(json.dumps(kept))
    monkeypatch.setattr(sharding, "plan", real_plan)
    assert sharding.planned_rulesets(rules) == fresh
    monkeypatch.setattr(sharding, "STACK_PER_RULESET", 10**6)  # other limits, another plan
    monkeypatch.setattr(sharding, "RULES_PER_RULESET", 10**6)
    assert len(sharding.planned_rulesets(rules)[0]) == 1


def test_bundled_folders_are_those_importlib_resources_names(tmp_path: Path) -> None:
    from importlib import resources

    from followup.bundled import files

    for package in ("followup.policies", "tzdata"):
        assert Path(str(files(package))) == Path(str(resources.files(package)))
    zipped = tmp_path / "bundle.zip"
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("zpkg/__init__.py", "")
        z.writestr("zpkg/data.txt", "inside")
    sys.path.insert(0, str(zipped))
    try:
        assert files("zpkg").joinpath("data.txt").read_text() == "inside"  # not a folder: importlib.resources
    finally:
        sys.path.remove(str(zipped))
        sys.modules.pop("zpkg", None)
