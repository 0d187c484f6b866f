"""Per-call cost counted in instructions, not seconds: a figure a shared machine's load cannot move.

On a virtual machine shared with other work, wall and CPU times of a
100 µs call move by tens of percent from minute to minute (bench.py
interleaves its variants so that their ratios hold, but noise remains).
Valgrind's callgrind counts the instructions a process executes, which
does not depend on the load. For each built-in pack this runs one child
process three times under callgrind (set-up only, then N rounds of the
raw durable-rules C path over every example's asserted facts, then N
rounds of `Engine.advise` by pack name with explain) and prints
instructions per evaluation for both and their ratio: the same comparison
as bench.py's per-call table (issue #13: at most 2.5x), counted instead of
timed.

Instructions are not time: the interpreter's loops and durable-rules' C
code run at different instructions per cycle, so the timed ratio (bench.py)
is the one the target names; this one shows where a change helps without
waiting for a quiet machine.

    python benchmarks/bench_instructions.py [--rounds 40] [--packs conservative,proactive,tech-industry]

Needs valgrind (Debian: apt install valgrind); says so and exits when it is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_OVER_RAW = 2.5

CHILD = """
import sys
sys.path.insert(0, {bench!r})
import bench, followup
from followup.derive import derive
from followup.evaluation import subject_facts
mode, pack, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = followup.Engine(load_entrypoints=False)
cases = bench.examples()
cp = engine.load_pack(pack)
batches = [[fact for _, fact in subject_facts(cp, derive(f, at))] for _, f, at in cases]
for (_, f, at), batch in zip(cases, batches):  # every memo warm, as in bench.py's per-call table
    engine.advise(f, pack, at, explain=True)
    engine.advise(f, pack, at, explain=True)  # the second evaluation of facts prepares what later ones reuse
    cp.ruleset.fire(batch)
for _ in range(rounds):
    if mode == "raw":
        for batch in batches:
            cp.ruleset.fire(batch)
    elif mode == "advise":
        for _, f, at in cases:
            engine.advise(f, pack, at, explain=True)
print(len(cases))
"""


def instructions(mode: str, pack: str, rounds: int, env: dict[str, str]) -> tuple[int, int]:
    """(instructions executed by the whole child process, number of examples)."""
    child = CHILD.format(bench=str(ROOT / "benchmarks"))
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
                          child, mode, pack, str(rounds)], capture_output=True, text=True, check=True, env=env)
    m = re.search(r"Collected : (\d+)", run.stderr)
    if m is None:
        raise SystemExit(f"callgrind printed no instruction count:\n{run.stderr[-2000:]}")
    return int(m.group(1)), int(run.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40, help="rounds over every example (default 40)")
    ap.add_argument("--packs", default="conservative,proactive,tech-industry")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind); nothing measured")
        return 0
    print(f"Instructions per evaluation under callgrind ({args.rounds} rounds over every example, set-up "
          "subtracted); name+explain = Engine.advise by pack name with explain\n")
    print("pack | raw C k-instr | name+explain k-instr | name+explain/raw")
    print("--- | --- | --- | ---")
    # Every child must do the same set-up work: a cache folder of their own, filled first
    # (a child that found it empty would validate and store the packs, and count that too).
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env["FOLLOWUP_CACHE_DIR"] = tempfile.mkdtemp(prefix="followup-bench-cache-")
    worst = 0.0
    for pack in args.packs.split(","):
        subprocess.run([sys.executable, "-c", CHILD.format(bench=str(ROOT / "benchmarks")), "setup", pack, "0"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        base, n = instructions("setup", pack, args.rounds, env)
        raw = (instructions("raw", pack, args.rounds, env)[0] - base) / (args.rounds * n)
        advise = (instructions("advise", pack, args.rounds, env)[0] - base) / (args.rounds * n)
        worst = max(worst, advise / raw)
        print(f"{pack} | {raw / 1000:.0f} | {advise / 1000:.0f} | {advise / raw:.2f}")
    print(f"\nworst {worst:.2f}x the raw path by instructions "
          f"({'within' if worst <= TARGET_OVER_RAW else 'OVER'} the {TARGET_OVER_RAW}x target, which bench.py times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
