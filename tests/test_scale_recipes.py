"""The Spark and Ray recipes of docs/scale.md, run as written on the inputs those frameworks hand them."""

from __future__ import annotations

import re
from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

import casegen
from followup.batch import evaluate_lines

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-20T09:00+00:00"


def recipe(section: str) -> dict[str, Any]:
    """The python blocks of a docs/scale.md section, run without the line that starts the framework."""
    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    body = text.split(f"### {section}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    namespace: dict[str, Any] = {}
    for block in re.findall(r"```python\n(.*?)```", body, re.S):
        code = "\n".join(line for line in block.splitlines()
                         if not line.startswith(("spark.", "ray.data", "import ray")))
        exec(compile(code, f"docs/scale.md ({section})", "exec"), namespace)
    return namespace


def expected(lines: list[bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(r) for r in evaluate_lines(lines, "proactive", AT, first_line=None)]


def test_spark_recipes() -> None:
    lines = [line.rstrip(b"\n").decode() for line in casegen.lines(30, [4])]
    ns = recipe("Spark")
    Row = namedtuple("Row", "value")
    got = [orjson.loads(r) for r in ns["advise_partition"](iter([Row(v) for v in lines]))]
    want = expected([v.encode() for v in lines])
    assert got == want and [r["ok"] for r in got].count(False) == 1
    batches = [pa.RecordBatch.from_arrays([pa.array(lines[:20])], names=["value"]),
               pa.RecordBatch.from_arrays([pa.array(lines[20:])], names=["value"])]
    out = [orjson.loads(r) for b in ns["advise_arrow"](iter(batches)) for r in b.column("result").to_pylist()]
    assert out == want


def test_ray_recipe() -> None:
    lines = [line.rstrip(b"\n").decode() for line in casegen.lines(12, [3])]
    advise = recipe("Ray Data")["Advise"]()
    got = advise({"text": np.array(lines, dtype=object)})
    assert [orjson.loads(r) for r in got["result"]] == expected([v.encode() for v in lines])
