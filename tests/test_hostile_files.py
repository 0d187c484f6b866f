"""Files from strangers and unlucky users: each gets exit 2 and a located error, quickly and in little memory.

The big ones are made at test time in tmp_path (a 200 MB file is sparse: it costs no disk).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli
from followup.errors import FactsError, InputError, PackError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "just-after.yaml").read_text(encoding="utf-8")
AT = "2026-11-18T10:00+00:00"

PACK = """name: hostile
title: Hostile
summary: A pack to break.
rules:
  - id: r1
    when: {interview.went: well}
    action: write_notes
    target: self
    channel: none
    due: {from: interview_end, hours: 3}
    rationale: Write it down.
    sources: []
"""

# The 342-byte "billion laughs": nine levels of nine aliases, 9**9 strings once expanded.
BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
assert len(BOMB) == 342


def _facts(old: str, new: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        assert old in EXAMPLE
        path = folder / "facts.yaml"
        path.write_text(EXAMPLE.replace(old, new, 1), encoding="utf-8")
        return path
    return make


def _bytes(data: bytes, name: str = "facts.yaml") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return make


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.yaml"
    os.mkfifo(path)
    return path


def _sparse(size: int) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "huge.yaml"
        with open(path, "wb") as fh:
            fh.truncate(size)
        return path
    return make


def _deep(folder: Path) -> Path:
    path = folder / "deep.yaml"
    path.write_text("candidate: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    return path


def _block_deep(folder: Path) -> Path:
    path = folder / "deep.yaml"
    path.write_text("candidate:\n  " + "- " * 5000 + "x\n", encoding="utf-8")
    return path


# name -> (file maker, text expected in the error, line expected (None: no line))
FACTS_CASES: dict[str, tuple[Callable[[Path], Path], str, int | None]] = {
    "latin-1": (_bytes(EXAMPLE.replace("Tomás", "Tom\xe1s").encode("latin-1")), "not UTF-8 text", 32),
    "binary": (_bytes(b"candidate:\n  name: \x00\x01\x02\n"), "NUL character", 2),
    "zone-folder": (_facts("Europe/London", "America"), "unknown time zone `America`", 12),
    "zone-300": (_facts("Europe/London", "A" * 300), "at most 64 characters", 12),
    "year-9999": (_facts("2026-11-17T15:00:00+00:00", "9999-12-31T23:59:59-14:00"), "outside 1900 to 2199", 15),
    "year-1": (_facts("2026-11-17T13:00:00+00:00", "0001-01-01T00:00:00+14:00"), "outside 1900 to 2199", 14),
    "int-5000-digits": (_facts("round: 1", "round: " + "9" * 5000), "5,000 digits", 17),
    "round-huge": (_facts("round: 1", "round: 99999999999999999999"), "less than or equal to 100", 17),
    "alias-bomb": (_bytes(BOMB.encode()), "expands to more than", None),
    "recursive-alias": (_bytes(b"a: &a [1, *a]\n"), "contains itself", 1),
    "deep-flow": (_deep, "nested", 1),
    "deep-block": (_block_deep, "nested", 2),
    "fifo": (_fifo, "named pipe", None),
    "200MB": (_sparse(200 * 1024 * 1024), "more than the 4.0 MiB allowed", None),
    "control-char": (_facts("Northwind Analytics", "North\x07wind"), "U+0007 is not allowed", 9),
    "crlf-company": (_facts("company: Northwind Analytics", 'company: "Northwind\\r\\nBcc: x@evil.example"'),
                     "contains a carriage return", 9),
    "nul-name": (_facts("name: Sam Rivera", 'name: "Sam\\0Rivera"'), "NUL", 5),
    "bad-candidate-email": (_facts("sam.rivera@example.org", '"sam@example.org\\nBcc: x@evil.example"'),
                            "contains a line break", 6),
    "yaml-syntax": (_facts("  format: onsite", "  format: [onsite"), "never closed", 16),
}


def _check(problem_text: str, expected: str, line: int | None, path: Path) -> None:
    assert expected in problem_text, problem_text
    if line is not None:
        assert f"{path.name}:{line}:" in problem_text, problem_text
    assert "Traceback" not in problem_text
    assert "fix:" in problem_text


def _timed(fn: Callable[[], object], seconds: float = 10.0) -> object:
    """Run `fn` in a thread; fail (rather than hang the suite) if it does not return in time."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(_catch(fn)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return box[0]


def _catch(fn: Callable[[], object]) -> object:
    try:
        return fn()
    except BaseException as exc:
        return exc


@pytest.mark.parametrize("name", sorted(FACTS_CASES))
def test_hostile_facts_file_is_a_located_error_through_the_api(name: str, tmp_path: Path) -> None:
    make, expected, line = FACTS_CASES[name]
    path = make(tmp_path)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = _timed(lambda: followup.load_facts(path))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(result, FactsError), result
    _check(str(result), expected, line, path)
    # Generous bounds (a shared machine): the point is seconds and megabytes, not minutes and gigabytes.
    assert elapsed < 5, elapsed
    assert peak < 100 * 1024 * 1024, peak


@pytest.mark.parametrize("name", sorted(FACTS_CASES))
def test_hostile_facts_file_exits_2_on_the_cli(name: str, tmp_path: Path) -> None:
    make, expected, line = FACTS_CASES[name]
    path = make(tmp_path)
    result = _timed(lambda: CliRunner().invoke(cli, ["advise", str(path), "--at", AT]))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    _check(result.output, expected, line, path)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["alias-bomb", "200MB", "latin-1", "fifo"])
def test_hostile_files_as_a_subprocess(name: str, tmp_path: Path) -> None:
    make, expected, line = FACTS_CASES[name]
    path = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2, proc.stderr
    _check(proc.stderr, expected, line, path)


def test_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    result = _timed(lambda: CliRunner().invoke(cli, ["advise", "/dev/zero"]))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "/dev/zero: this is a device, not a file" in result.output  # type: ignore[attr-defined]


def test_utf16_and_bom_files_are_read_like_utf8(tmp_path: Path) -> None:
    engine = followup.Engine()
    expected = engine.advise(followup.load_facts(ROOT / "examples" / "just-after.yaml"), at=AT)
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"):
        path = tmp_path / f"{encoding}.yaml"
        path.write_text(EXAMPLE, encoding=encoding)
        assert engine.advise(path, at=AT).actions == expected.actions, encoding


def test_at_comment_of_a_utf16_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(EXAMPLE, encoding="utf-16")
    result = CliRunner().invoke(cli, ["advise", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"at": "2026-11-17T16:00:00Z"' in result.output


# --- packs ------------------------------------------------------------------------------------------

PACK_CASES: dict[str, tuple[str, str, str]] = {
    # name -> (text replaced, replacement, expected message and place)
    "hours-1e300": ("hours: 3", "hours: 1e300", "rules.0.due.hours"),
    "hours-inf": ("hours: 3", "hours: .inf", "rules.0.due.hours"),
    "days-huge": ("hours: 3", "days: 99999999", "rules.0.due.days"),
    "target-mapping": ("target: self", "target: {}", "rules.0.target"),
    "time-not-hhmm": ("hours: 3", 'days: 1, time: "25:00"', "time `25:00` is not HH:MM"),
    "extends-300": ("rules:", "extends: " + "x" * 300 + "\nrules:", "cannot find the pack"),
    "extends-path-300": ("rules:", "extends: ./" + "x" * 300 + ".yaml\nrules:", "cannot use the path in `extends`"),
    "condition-1e300": ("when: {interview.went: well}", "when: {hours_since_interview: {lt: 1e300}}", "out of range"),
    "condition-inf": ("when: {interview.went: well}", "when: {hours_since_interview: {ge: .inf}}", "out of range"),
    "condition-tiny": ("when: {interview.went: well}", "when: {hours_since_interview: {gt: 0.00001}}", "out of range"),
    "condition-int64": ("when: {interview.went: well}", "when: {interview.round: {in: [1, 9223372036854775808]}}",
                        "out of range"),
    "rule-id-newline": ("id: r1", 'id: "r1\\n"', "rule id `r1"),
    "alias-bomb": ("rules:", "bomb:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines()) + "rules:",
                   "expands to more than"),
}


@pytest.mark.parametrize("name", sorted(PACK_CASES))
def test_hostile_pack_is_a_located_error(name: str, tmp_path: Path) -> None:
    old, new, expected = PACK_CASES[name]
    path = tmp_path / "hostile.yaml"
    path.write_text(PACK.replace(old, new, 1), encoding="utf-8")
    validated = _timed(lambda: CliRunner().invoke(cli, ["validate", str(path)]))
    assert validated.exit_code in (1, 2), validated.output  # type: ignore[attr-defined]
    assert expected in validated.output and "hostile.yaml:" in validated.output  # type: ignore[attr-defined]
    advised = _timed(lambda: CliRunner().invoke(cli, ["advise", str(ROOT / "examples" / "just-after.yaml"),
                                                      "--pack", str(path), "--at", AT]))
    assert advised.exit_code == 2, advised.output  # type: ignore[attr-defined]
    assert expected in advised.output and "Traceback" not in advised.output  # type: ignore[attr-defined]


def test_latin1_pack_exits_2_in_validate(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(PACK.replace("Write it down.", "Écrivez.").encode("latin-1"))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "p.yaml:11:16: error: the file is not UTF-8 text" in result.output


def test_long_pack_path_on_the_command_line(tmp_path: Path) -> None:
    long = str(tmp_path / ("x" * 300 + ".yaml"))
    for args in (["validate", long], ["advise", str(ROOT / "examples" / "just-after.yaml"), "--pack", long]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


# --- the Python API ------------------------------------------------------------------------------------


def test_deep_list_through_the_api() -> None:
    data: dict[str, object] = {"candidate": []}
    inner = data["candidate"]
    for _ in range(10_000):
        inner.append([])  # type: ignore[attr-defined]
        inner = inner[-1]  # type: ignore[index]
    with pytest.raises(FactsError, match="nested more than 64 deep"):
        followup.parse_facts(data)
    with pytest.raises(FactsError, match="recursion limit"):
        followup.parse_facts('{"candidate": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(PackError, match="nested more than 64 deep"):
        from followup.packs import parse_pack

        parse_pack({"name": "x", "rules": [data]})


def test_circular_data_through_the_api() -> None:
    data: dict[str, object] = {"candidate": {}}
    data["candidate"]["self"] = data  # type: ignore[index]
    with pytest.raises(FactsError, match="nested"):
        followup.parse_facts(data)


def test_huge_text_and_lists_through_the_api() -> None:
    with pytest.raises(FactsError, match="characters"):
        followup.parse_facts({"candidate": {"name": "x" * 200_000}})
    with pytest.raises(FactsError, match="entries"):
        followup.parse_facts({"interviewers": [{}] * 20_000})
    with pytest.raises(FactsError, match="bytes"):
        followup.parse_facts(b"{" + b" " * (5 * 1024 * 1024) + b"}")


def test_every_error_is_an_input_error_subclass() -> None:
    assert issubclass(FactsError, InputError) and issubclass(PackError, InputError)


def test_json_escaped_surrogate_pairs_are_characters_and_lone_halves_are_refused(tmp_path: Path) -> None:
    import json

    data = followup.load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True)
    data["candidate"]["name"] = "Sam 😀 Rivera"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data), encoding="ascii")  # json's default: the emoji as \ud83d\ude00
    assert "\\ud83d\\ude00" in path.read_text()
    assert followup.load_facts(path).candidate.name == "Sam 😀 Rivera"
    path.write_text(json.dumps(data).replace("\\ude00", ""), encoding="ascii")
    with pytest.raises(FactsError, match="half of a UTF-16 surrogate pair") as info:
        followup.load_facts(path)
    assert info.value.problems[0].line == 1
    data["candidate"]["name"] = "Sam \ud83d Rivera"
    with pytest.raises(FactsError, match="surrogate") as info:
        followup.parse_facts(data)
    assert info.value.problems[0].path == ("candidate", "name")
