"""Messages show values, never their placeholders.

An f-string missing its `f` prints `{zone!r}` to the user; a pydantic error
template naming a key its context does not carry prints `{key}`. Both are
found here by reading the package's source, so a new one fails the suite.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("engine", "plugins") for p in (ROOT / folder).rglob("*.py"))
CONVERSION = re.compile(r"\{[A-Za-z_][\w.\[\]]*(![rsa])?(:[^{}]*)?\}")
FORMATTED = re.compile(r"\{[A-Za-z_][\w.\[\]]*![rsa](:[^{}]*)?\}")


def _plain_strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not parts of f-strings."""
    inside_f = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in ast.walk(node)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inside_f]


def _format_calls(tree: ast.AST) -> set[int]:
    """Strings that are the receiver of `.format(...)` / `.format_map(...)` (placeholders meant)."""
    out = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("format", "format_map") and isinstance(node.func.value, ast.Constant)):
            out.add(id(node.func.value))
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_conversion_placeholder_outside_an_f_string(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    formatted = _format_calls(tree)
    found = [f"{path.name}:{n.lineno}: {n.value!r}" for n in _plain_strings(tree)
             if FORMATTED.search(n.value) and id(n) not in formatted]
    assert not found, "a string with {x!r} that is not an f-string (missing `f`?):\n" + "\n".join(found)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pydantic_template_placeholder_is_in_its_context(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "PydanticCustomError"):
            continue
        template = node.args[1] if len(node.args) > 1 else None
        if not isinstance(template, ast.Constant) or not isinstance(template.value, str):
            continue  # a message built at run time (an f-string): the first test covers it
        keys = {m.group(0)[1:-1] for m in re.finditer(r"\{[^{}]*\}", template.value)}
        if any("!" in k or ":" in k for k in keys):
            problems.append(f"{path.name}:{node.lineno}: pydantic templates take {{key}} only: {template.value!r}")
        ctx = node.args[2] if len(node.args) > 2 else None
        given = {k.value for k in ctx.keys if isinstance(k, ast.Constant)} if isinstance(ctx, ast.Dict) else set()
        missing = {k for k in keys if "!" not in k and ":" not in k} - given
        if missing:
            problems.append(f"{path.name}:{node.lineno}: {sorted(missing)} not in the context of {template.value!r}")
    assert not problems, "\n".join(problems)


def test_the_checker_finds_a_missing_f() -> None:
    tree = ast.parse('x = "unknown time zone {zone!r}"\ny = f"ok {zone!r}"\nz = "{a!r}".format(a=1)\n')
    hits = [n.value for n in _plain_strings(tree) if FORMATTED.search(n.value) and id(n) not in _format_calls(tree)]
    assert hits == ["unknown time zone {zone!r}"]


def test_bad_due_time_shows_the_value_its_place_and_a_fix(tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text("name: p\ntitle: P\nsummary: s\nrules:\n  - id: r\n    action: write_notes\n    target: self\n"
                    "    channel: none\n    due:\n      from: interview_end\n      days: 1\n      time: '9:5'\n"
                    "    rationale: x\n    sources: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(pack)])
    assert "p.yaml:12:7 (rules.0.due.time): error: time `9:5` is not HH:MM (24-hour)" in result.output
    assert "fix: write the time of day as HH:MM" in result.output


def test_unknown_time_zone_shows_the_value(tmp_path: Path) -> None:
    facts = (ROOT / "examples" / "just-after.yaml").read_text(encoding="utf-8").replace("Europe/London", "Mars/Base")
    (tmp_path / "f.yaml").write_text(facts, encoding="utf-8")
    result = CliRunner().invoke(cli, ["advise", str(tmp_path / "f.yaml")])
    assert result.exit_code == 2
    assert "f.yaml:12:3 (position.timezone): unknown time zone `Mars/Base`" in result.output
    assert "fix: use an IANA name" in result.output


@pytest.mark.parametrize(("text", "line", "col", "what"), [
    ("a: 1\nname Sam\nb: 2\n", 2, 1, "no colon after the key"),
    ("a: [1, 2\nb: 3\n", 1, 4, "`[` here is never closed"),
    ("a: {x: 1\nb: 2\n", 1, 4, "`{` here is never closed"),
    ('a: "abc\nb: 3\n', 1, 4, "quote here is never closed"),
    ("a:1\nb: 2\n", 1, 2, "a colon without a space"),
    ("a:\n  - x\n  b: 2\n", 3, 3, "not valid YAML"),
    ("a: 1\n- b\n", 2, 1, "not valid YAML"),
    ("rules: [\n  - id: r1\n", 1, 8, "`[` here is never closed"),
])
def test_yaml_syntax_errors_point_at_the_mistake(text: str, line: int, col: int, what: str) -> None:
    from followup.yamlio import load_document

    doc, problem = load_document(text, "x.yaml")
    assert doc is None and problem is not None
    assert (problem.line, problem.column) == (line, col), problem
    assert what in problem.message and problem.hint
