"""What the explanations cost, against one plain evaluation measured in the same process.

For every built-in pack and every example fact file (at its `# at:` time):

- advise:       Engine.advise (the baseline)
- explain=all:  Engine.explain_rules (every rule judged: one evaluation + a durable firing + condition trees)
- why-not:      Engine.why_not(..., "call")
- what-if:      Engine.what_if with one change (two evaluations + validating the changed facts)
- needs-info:   Engine.needs_info (up to 30 evaluations; the count is shown)

The table gives the median ms per call and the ratio to `advise`.

    python benchmarks/bench_explain.py [--rounds 20] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from pathlib import Path

import followup
from timing import median_seconds

ROOT = Path(__file__).resolve().parents[1]
PACKS = ("conservative", "proactive", "tech-industry")


def at_line(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# at:"):
            return line.split(":", 1)[1].strip()
    return None


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    return median_seconds(fn, rounds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="3 rounds, two examples (for CI: it must run, not be fast)")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    engine = followup.Engine(load_entrypoints=False)
    examples = [p for p in sorted((ROOT / "examples").glob("*.yaml")) if at_line(p)]
    if args.quick:
        examples = examples[:2]
    rows = []
    for pack in PACKS:
        per: dict[str, list[float]] = {k: [] for k in ("advise", "explain=all", "why-not", "what-if", "needs-info")}
        runs = []
        for path in examples:
            facts = followup.load_facts(path)
            at = at_line(path)
            engine.advise(facts, pack, at)  # warm: compiled pack, facts' static part
            per["advise"].append(median_ms(lambda f=facts, a=at: engine.advise(f, pack, a), rounds))
            per["explain=all"].append(median_ms(lambda f=facts, a=at: engine.explain_rules(f, pack, a), rounds))
            per["why-not"].append(median_ms(lambda f=facts, a=at: engine.why_not(f, "call", pack, a), rounds))
            change = ["interviewers[0].contact_known=true"]
            per["what-if"].append(median_ms(lambda f=facts, a=at: engine.what_if(f, change, pack, a), rounds))
            per["needs-info"].append(median_ms(lambda f=facts, a=at: engine.needs_info(f, pack, a), rounds))
            runs.append(engine.needs_info(facts, pack, at).evaluations)
        med = {k: statistics.median(v) for k, v in per.items()}
        rows.append((pack, med, max(runs)))
    print(f"{len(examples)} examples, {rounds} rounds each; median ms per call (ratio to advise)")
    print(f"{'pack':<14} {'advise':>8} {'explain=all':>16} {'why-not':>16} {'what-if':>16} {'needs-info':>16} {'evals':>6}")
    for pack, med, evals in rows:
        base = med["advise"]
        cells = [f"{med[k]:7.2f} ({med[k] / base:4.1f}x)" for k in ("explain=all", "why-not", "what-if", "needs-info")]
        print(f"{pack:<14} {base:8.2f} " + " ".join(f"{c:>16}" for c in cells) + f" {evals:>6}")


if __name__ == "__main__":
    main()
