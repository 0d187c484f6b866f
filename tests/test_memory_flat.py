"""A long run keeps memory flat: nothing the engine remembers grows with the people it has seen.

A service evaluates endless distinct cases; any memo keyed by a name, a
Facts object or a pack file must be bounded or released with its key.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import followup
from followup.engine import resolve_at

ROOT = Path(__file__).resolve().parents[1]
EVALUATIONS = 200_000

# One rule towards every interviewer: each evaluation builds one title per
# interviewer, the cheapest evaluation that still reaches every per-person memo.
PACK = """\
name: thanks
title: Thanks
summary: Thank every interviewer.
version: "1"
rules:
  - id: thank
    action: thank_you
    target: each_interviewer
    channel: email
    priority: high
    rationale: A prompt thank-you is remembered.
    sources: [{article: how-to-follow-up, items: [T1]}]
"""


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_rss_stays_flat_over_200000_evaluations_with_distinct_names(tmp_path: Path) -> None:
    pack = tmp_path / "thanks.yaml"
    pack.write_text(PACK)
    engine = followup.Engine(load_entrypoints=False)
    base = followup.load_facts(ROOT / "examples" / "just-after.yaml")
    at = resolve_at("2026-11-17T16:00", base)
    people = base.interviewers[:1]

    def run(start: int, stop: int) -> None:
        for i in range(start, stop):
            # a fresh Facts with a never-seen name, built without re-validating the rest
            facts = base.model_copy(update={"interviewers": [people[0].model_copy(update={"name": f"Person {i}"})]})
            advice = engine.advise(facts, str(pack), at)  # by path: the pack lookup cache is exercised too
            assert advice.actions[0].target.name == f"Person {i}"

    run(0, 5_000)  # warm-up: allocator arenas, interned strings, the engine's own caches
    gc.collect()
    before = rss_bytes()
    run(5_000, 5_000 + EVALUATIONS)
    gc.collect()
    growth = rss_bytes() - before
    assert growth < 4 * 2**20, f"RSS grew {growth / 2**20:.1f} MiB over {EVALUATIONS} evaluations"
