"""Generated JSON Lines of facts for batch tests and benchmarks/bench_scale.py.

Line i is one of the example cases (at the time its `# at:` line gives), with
every person renamed so that no two lines share a name (as in a real
platform's nightly run). Lines listed in `bad` are broken in one of three
ways, cycling: not JSON, a misspelt email, a round given as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

import followup

ROOT = Path(__file__).resolve().parents[1]
BAD_KINDS = ("json", "email", "round")


def templates() -> list[tuple[dict[str, Any], str]]:
    out = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        m = re.search(r"^# at: (\S+)", path.read_text(encoding="utf-8"), re.M)
        if m:
            out.append((followup.load_facts(path).model_dump(mode="json", by_alias=True, exclude_defaults=True), m.group(1)))
    return out


def _renamed(facts: dict[str, Any], i: int) -> dict[str, Any]:
    names: dict[str, str] = {}
    for group in ("interviewers", "arrangers"):
        for j, p in enumerate(facts.get(group, [])):
            names[p["name"]] = f"{p['name'].split()[0]} Case{i}-{group[0]}{j}"
    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value
    out = swap(facts)
    out["candidate"] = {**out["candidate"], "name": f"Candidate {i}"}
    return out


def lines(n: int, bad: Iterable[int] = (), *, envelope: bool = True) -> Iterator[bytes]:
    """`n` lines (1-based line numbers in `bad` are broken), each ending in a newline."""
    cases = templates()
    broken = {b: BAD_KINDS[k % len(BAD_KINDS)] for k, b in enumerate(sorted(bad))}
    # A good line is its template's JSON with the line number put in: rendered once per template
    # with a marker, so a million lines take seconds, not minutes.
    rendered = [orjson.dumps(_line(facts, at, _MARK, envelope)) for facts, at in cases]
    for i in range(1, n + 1):
        kind = broken.get(i)
        if kind is None:
            yield rendered[i % len(cases)].replace(_MARK_BYTES, b"%d" % i) + b"\n"
            continue
        facts, at = cases[i % len(cases)]
        obj = _line(facts, at, i, envelope)
        target = obj["facts"] if envelope else obj
        if kind == "email":
            target["interviewers"][0]["email"] = "nobody-at-example.org"
        elif kind == "round":
            target["interview"]["round"] = "two"
        text = orjson.dumps(obj)
        if kind == "json":
            text = text[:-7]  # cut short
        yield text + b"\n"


_MARK = 987654321987  # stands for the line number in a rendered template (appears nowhere else)
_MARK_BYTES = b"%d" % _MARK


def _line(facts: dict[str, Any], at: str, i: int, envelope: bool) -> dict[str, Any]:
    renamed = _renamed(facts, i)
    return {"id": f"case-{i}", "at": at, "facts": renamed} if envelope else {**renamed, "id": f"case-{i}"}


def write(path: Path, n: int, bad: Iterable[int] = (), *, envelope: bool = True) -> Path:
    with path.open("wb") as f:
        for line in lines(n, bad, envelope=envelope):
            f.write(line)
    return path
