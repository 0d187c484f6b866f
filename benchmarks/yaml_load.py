"""Reading facts and packs: the libyaml fast path (followup.fastyaml) vs ruamel's round-trip loader.

Each row reads the same text many times; the table gives the median ms per read
and the ratio against ruamel round-trip (the baseline: what every read cost
before the fast path), measured in this process. `load_document` is what
followup calls: the fast path plus its bounds check, falling back to ruamel only
for a file with an error. `ruamel safe (C)` is the other C-backed candidate
(ruamel.yaml.clib), shown when installed.

    python benchmarks/yaml_load.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from followup.fastyaml import AVAILABLE, fast_load
from followup.yamlio import _reader, load_document, plain

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "facts (examples/just-after.yaml)": ROOT / "examples" / "just-after.yaml",
    "pack (policies/proactive.yaml)": ROOT / "policies" / "proactive.yaml",
}


def _median_ms(fn: Callable[[], Any], rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _ruamel_safe_c() -> Callable[[str], Any] | None:
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=False)
    return y.load if getattr(y.Parser, "__name__", "") == "CParser" else None  # only with ruamel.yaml.clib


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    if not AVAILABLE:
        print("PyYAML's libyaml extension is not available: only the ruamel path runs")
    safe_c = _ruamel_safe_c()
    print(f"{'file':<34} {'reader':<26} {'ms/read':>9} {'vs ruamel rt':>13}")
    for label, path in FILES.items():
        text = path.read_text(encoding="utf-8")
        assert fast_load(text, str(path)) == plain(_reader(str(path)).load(text)), "the two paths disagree"
        rows: list[tuple[str, Callable[[], Any]]] = [
            ("ruamel round-trip", lambda: plain(_reader(str(path)).load(text))),
            ("libyaml fast path", lambda: fast_load(text, str(path))),
            ("load_document", lambda: load_document(text, str(path))),
        ]
        if safe_c is not None:
            rows.append(("ruamel safe (C)", lambda: safe_c(text)))
        base = None
        for name, fn in rows:
            ms = _median_ms(fn, args.rounds)
            base = base or ms
            print(f"{label:<34} {name:<26} {ms:>9.3f} {base / ms:>12.1f}x")


if __name__ == "__main__":
    main()
