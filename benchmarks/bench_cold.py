"""What one distinct case costs: the cold path of batch, the service and the Dask adapter.

Every input of a batch (and every /v1/advise request, every row of a Dask
bag) is a case never seen before: its facts are parsed and validated,
everything derived from the facts alone is computed (the static part of
derive.py, the holiday calendar, the business days), the first evaluation
fills the per-facts memos (due times, windows, person templates), and the
advice is written as JSON. This prints, per stage, the median µs per case
over generated cases (tests/casegen.py: the examples with every person
renamed), the stages interleaved round by round so that a shared machine's
load falls on all alike, and each stage's share of a whole batch line.
The baseline is the same evaluation of facts already parsed and evaluated
once (what a repeated evaluation of one Facts object costs).

    python benchmarks/bench_cold.py [--cases 240] [--rounds 15] [--pack proactive]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import casegen  # noqa: E402
from followup import derive as derive_module  # noqa: E402
from followup.batch import BatchEvaluator  # noqa: E402
from followup.engine import Engine, resolve_at  # noqa: E402
from followup.evaluation import evaluate  # noqa: E402
from followup.facts import parse_facts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=240)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--pack", default="proactive")
    args = ap.parse_args(argv)

    engine = Engine(load_entrypoints=False)
    cp = engine.load_pack(args.pack)
    lines = list(casegen.lines(args.cases))
    envelopes = [orjson.loads(line) for line in lines]
    texts = [orjson.dumps(e["facts"]) for e in envelopes]
    parsed = [(parse_facts(t), e["at"]) for t, e in zip(texts, envelopes, strict=True)]
    cases = [(f, resolve_at(at, f)) for f, at in parsed]
    warm = [evaluate(cp, f, at, explain=True) for f, at in cases]  # the baseline's facts, evaluated once
    evaluator = BatchEvaluator(cp, engine=engine, explain=True)

    def each(run: Callable[[int], Any]) -> Callable[[], None]:
        def loop() -> None:
            for i in range(len(lines)):
                run(i)
        return loop

    def fresh_facts(i: int) -> tuple[Any, Any]:
        facts = parse_facts(texts[i])  # a new Facts object: nothing derived from it yet
        return facts, cases[i][1]

    fresh = [fresh_facts(i) for i in range(len(lines))]

    def static(i: int) -> None:
        derive_module._compute_static(fresh[i][0])

    def first(i: int) -> None:
        facts, at = cases[i]
        derive_module._statics.pop(id(facts), None)  # as if never evaluated: every per-facts memo misses
        evaluate(cp, facts, at, explain=True)

    stages: dict[str, Callable[[], None]] = {
        "batch line (JSON in, result line out)": each(lambda i: evaluator.evaluate(lines[i], i + 1)),
        "Engine.advise(dict), compiled pack, explain": each(
            lambda i: engine.advise(envelopes[i]["facts"], cp, envelopes[i]["at"], explain=True)),
        "parse_facts(dict)": each(lambda i: parse_facts(envelopes[i]["facts"])),
        "parse_facts(JSON bytes)": each(lambda i: parse_facts(texts[i])),
        "derived from the facts alone (_compute_static)": each(static),
        "first evaluation (every memo misses)": each(first),
        "evaluation again (baseline)": each(lambda i: evaluate(cp, cases[i][0], cases[i][1], explain=True)),
        "advice to JSON (model_dump_json)": each(lambda i: warm[i].model_dump_json()),
    }
    samples: dict[str, list[float]] = {k: [] for k in stages}
    for _ in range(args.rounds):
        for name, run in stages.items():
            t0 = time.process_time_ns()
            run()
            samples[name].append((time.process_time_ns() - t0) / len(lines) / 1000)
    med = {k: statistics.median(v) for k, v in samples.items()}
    line = med["batch line (JSON in, result line out)"]
    base = med["evaluation again (baseline)"]
    print(f"{len(lines)} distinct cases x {args.rounds} rounds, pack {args.pack}, explain on; "
          "median CPU µs per case, stages interleaved\n")
    print("stage | µs | share of a batch line | / baseline")
    print("--- | --- | --- | ---")
    for name, us in med.items():
        print(f"{name} | {us:.1f} | {us / line:.0%} | {us / base:.2f}")
    print(f"\na distinct case through batch costs {line / base:.2f}x evaluating known facts again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
