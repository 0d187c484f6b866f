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


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of a process and every process below it (the server's workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):  # a process that just ended
                pass
    tree, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        tree += kids
        todo += kids
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def test_service_rss_stays_flat_over_thousands_of_requests_with_distinct_names(tmp_path: Path) -> None:
    """A real `followup serve` with its decision log on: /v1/advise and /v1/batch for never-seen people."""
    import http.client
    import json

    from service_support import running

    base = followup.load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True)

    def facts(i: int) -> dict[str, object]:
        people = [{**p, "name": f"Person {i}-{j}", "email": f"p{i}.{j}@example.org"}
                  for j, p in enumerate(base["interviewers"])]
        return {**base, "candidate": {**base["candidate"], "name": f"Candidate {i}"}, "interviewers": people}

    with running("--threads", "4", "--decision-log", str(tmp_path / "decisions.jsonl")) as server:
        conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=60)

        def post(path: str, body: object) -> dict[str, object]:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
            assert answer.status == 200, data[:500]
            return json.loads(data)  # type: ignore[no-any-return]

        def run(start: int, stop: int) -> None:
            for i in range(start, stop):
                advice = post("/v1/advise", {"facts": facts(i), "pack": "proactive", "at": "2026-11-17T16:00"})
                assert advice["decision_id"] and advice["actions"]
                if i % 20 == 0:  # and a batch of ten more never-seen cases
                    inputs = {f"c{i}-{k}": facts(i * 100 + k) for k in range(10)}
                    out = post("/v1/batch", {"inputs": inputs, "pack": "conservative", "at": "2026-11-17T16:00"})
                    assert out["errors"] == 0

        run(0, 1_000)  # warm-up: allocator arenas, the engine's caches, the server's buffers
        before = tree_rss_bytes(server.proc.pid)
        run(1_000, 4_000)
        growth = tree_rss_bytes(server.proc.pid) - before
        conn.close()
    assert (tmp_path / "decisions.jsonl").read_bytes().count(b"\n") == 4_000 + 200
    assert growth < 3 * 2**20, f"the service grew {growth / 2**20:.1f} MiB over 3,000 requests"
