"""A pack's draft templates are a stranger's input: no code runs, no file is read, no bomb goes off.

The exploits of issue 12 are kept here as they were: a pack folder whose
template calls `candidate.parse_file(<pickle>, proto='pickle', allow_pickle=True)`
on a real payload that would create a marker file, and the JSON file-read
variant. Both, and every loop, size and time bomb, end in a located pack
error, quickly, through the CLI (in-process and as a subprocess) and the API.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup import Engine, load_facts
from followup.cli import cli
from followup.drafts import render_drafts
from followup.errors import ChannelError, PackError
from followup.sandbox import TemplateError

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


class _Payload:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _pack_with(tmp_path: Path, template: str, kind: str = "thank_you") -> Path:
    folder = tmp_path / "shared-pack"
    (folder / "templates").mkdir(parents=True)
    shutil.copy(Engine().pack_paths()["proactive"], folder / "proactive.yaml")
    (folder / "templates" / f"{kind}.txt.j2").write_text(template, encoding="utf-8")
    return folder / "proactive.yaml"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    """One engine and one pack copy for the many small template cases (the pack compiles once)."""
    folder = tmp_path_factory.mktemp("shared") / "shared-pack"
    (folder / "templates").mkdir(parents=True)
    engine = Engine()
    shutil.copy(engine.pack_paths()["proactive"], folder / "proactive.yaml")
    return engine, folder / "proactive.yaml"


def _render_with(shared: tuple[Engine, Path], template: str) -> None:
    engine, pack = shared
    (pack.parent / "templates" / "thank_you.txt.j2").write_text(template, encoding="utf-8")
    facts = load_facts(JUST_AFTER)
    render_drafts(engine.advise(facts, pack, AT), facts, pm=engine.pm)


def test_the_payload_is_real(tmp_path: Path) -> None:
    # Guard against a test that passes because its exploit is broken: unpickled, the payload does run.
    marker = tmp_path / "proof"
    subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=pickle.dumps(_Payload(marker)), check=True)
    assert marker.exists()


def test_pickle_exploit_runs_nothing_and_is_a_located_pack_error(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    pack = _pack_with(tmp_path, "Subject: Thanks\n\nHello,\n{{ candidate.parse_file('%s', proto='pickle', allow_pickle=True) }}\n"
                      % (tmp_path / "shared-pack" / "templates" / "payload.bin"))
    (pack.parent / "templates" / "payload.bin").write_bytes(pickle.dumps(_Payload(marker)))
    template = pack.parent / "templates" / "thank_you.txt.j2"
    out = tmp_path / "drafts"
    # validate finds it before anyone uses the pack
    v = CliRunner().invoke(cli, ["validate", str(pack)])
    assert v.exit_code == 1 and f"{template}:4:1: error: the template uses unknown data" in v.output
    # advise --to drafts, in-process
    r = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "-p", str(pack), "--at", AT, "--to", f"drafts:{out}"])
    assert r.exit_code == 3, r.output
    assert f"{template}:4:1" in r.stderr and "parse_file" in r.stderr
    # and as a subprocess, with the outbox holding the advice but nothing from the payload
    env = {**os.environ, "FOLLOWUP_HOME": str(tmp_path / "state2")}
    p = subprocess.run([sys.executable, "-m", "followup", "advise", str(JUST_AFTER), "-p", str(pack), "--at", AT,
                        "--to", f"drafts:{out}"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 3 and f"{template}:4:1" in p.stderr
    assert not marker.exists()
    assert not out.exists() or not any(out.iterdir())
    # the API raises the same located error, a PackError and a ChannelError at once
    engine = Engine()
    facts = load_facts(JUST_AFTER)
    with pytest.raises(TemplateError) as info:
        render_drafts(engine.advise(facts, pack, AT), facts, pm=engine.pm)
    assert isinstance(info.value, PackError) and isinstance(info.value, ChannelError)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (str(template), 4)
    assert not marker.exists()


def test_json_file_read_variant_leaks_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"name": "TOP-SECRET-TOKEN-4711"}))
    pack = _pack_with(tmp_path, "Subject: x\n\n{{ candidate.parse_file('" + str(secret) + "') }}\n"
                                "{{ person.model_validate_json('{}') }}\n")
    out, home = tmp_path / "drafts", tmp_path / "state"
    r = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "-p", str(pack), "--at", AT, "--to", f"drafts:{out}"])
    assert r.exit_code == 3
    assert "TOP-SECRET" not in r.output + r.stderr
    for f in home.rglob("*"):  # the outbox keeps the advice, not the secret
        if f.is_file():
            assert "TOP-SECRET" not in f.read_text(errors="replace")


ESCAPES = [
    "{{ candidate.__class__.__mro__ }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__self__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ dict.fromkeys([1]) }}",
    "{{ '{0.__class__}'.format(person) }}",
    "{{ person.update({'name': 'x'}) }}",
    "{{ others.append('x') }}",
    "{{ (1).to_bytes(10, 'big') }}",
    "{{ action.due.strftime('%Y') }}",
]


@pytest.mark.parametrize("expr", ESCAPES)
def test_templates_see_plain_data_only(shared: tuple[Engine, Path], expr: str) -> None:
    with pytest.raises(TemplateError) as info:
        _render_with(shared, f"Subject: x\n\nline two\n{expr}\n")
    assert info.value.problems[0].line == 4


BOMBS = {
    "nested loops": "{% for a in range(10000) %}{% for b in range(10000) %}{{ '' }}{% endfor %}{% endfor %}",
    "loops over a string": "{% set s = 'ab' * 10000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "string repetition": "{{ 'a' * 10**9 }}",
    "list repetition": "{{ ([0] * 10**9)|length }}",
    "doubling": "{% set ns = namespace(s='a') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "power": "{{ 9 ** (9 ** 9) }}",
    "width": "{{ 'x'|center(10**9) }}{{ '%099999999d' % 1 }}",
    "star width": "{{ '%*d'|format(10**9, 1) }}{{ '%-*s' % (10**9, 'x') }}",
    "output": "{% for i in range(10000) %}{{ 'x' * 30000 }}{% endfor %}",
    "captured output": "{% set x %}{% for i in range(10000) %}{{ 'x' * 30000 }}{% endfor %}{% endset %}",
    "recursion": "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
    "recursive loop": "{% for x in [1] recursive %}{{ loop(range(10000)) }}{% endfor %}",
    "self include": "{% include 'thank_you.txt.j2' %}",
    "batch fill": "{{ [1]|batch(10**9, 0)|list }}",
    "join": "{{ (['x' * 30000] * 5000)|join }}",
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_are_refused_quickly(shared: tuple[Engine, Path], name: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        _render_with(shared, "Subject: x\n\nHi {{ first_name }},\n" + BOMBS[name] + "\n")
    # the time limit is 2 s and most stop in milliseconds; the bound is loose for a busy machine: a hang is minutes
    assert time.monotonic() - started < 10.0
    problem = info.value.problems[0]
    assert problem.file == str(shared[1].parent / "templates" / "thank_you.txt.j2") and problem.line == 4
    assert problem.code in {"template-limit"}, problem


def test_validate_locates_every_template_problem(tmp_path: Path) -> None:
    pack = _pack_with(tmp_path, "Subject: x\n\n{% for a in range(10**4) %}{% for b in range(10**4) %}{% endfor %}{% endfor %}\n")
    templates = pack.parent / "templates"
    (templates / "status_check.txt.j2").write_text("Subject: x\n\n{{ oops\n")
    (templates / "formal_letter.txt.j2").write_text("Subject: x\n\nDear {{ person.nmae }},\n")
    (templates / "thank-you.txt.j2").write_text("Subject: x\n\nhello\n")
    (templates / "second_follow_up.txt.j2").write_bytes(b"Subject: \xff\n")
    r = CliRunner().invoke(cli, ["validate", str(pack)])
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert f"{templates / 'thank_you.txt.j2'}:3:1: error: the template runs more than 20,000 loop iterations and calls" in r.output
    assert any(line.startswith(f"{templates / 'status_check.txt.j2'}:3:1: error: template syntax") for line in lines)
    assert f"{templates / 'formal_letter.txt.j2'}:3:1: error: the template uses unknown data" in r.output
    assert "nmae" in r.output
    assert f"{templates / 'second_follow_up.txt.j2'}: error: the template is not UTF-8 text" in r.output
    assert f"{templates / 'thank-you.txt.j2'}: warning:" in r.output


def test_a_huge_or_special_template_file_is_refused(tmp_path: Path) -> None:
    engine = Engine()
    facts = load_facts(JUST_AFTER)
    pack = _pack_with(tmp_path, "Subject: x\n\n" + "x" * 300_000 + "\n")
    with pytest.raises(TemplateError, match="over the 262,144-byte limit"):
        render_drafts(engine.advise(facts, pack, AT), facts, pm=engine.pm)
    fifo = pack.parent / "templates" / "thank_you.txt.j2"
    fifo.unlink()
    os.mkfifo(fifo)
    with pytest.raises(TemplateError, match="not a regular file"):
        render_drafts(engine.advise(facts, pack, AT), facts, pm=engine.pm)


def test_the_built_in_templates_pass_validation() -> None:
    r = CliRunner().invoke(cli, ["validate", "proactive", "conservative", "tech-industry"])
    assert r.exit_code == 0, r.output
