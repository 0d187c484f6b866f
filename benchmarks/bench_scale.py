"""Batch and service at scale: throughput and memory, as ratios measured in one run.

Batch: `followup batch` on generated JSON Lines (tests/casegen.py: the example
cases with every person renamed, so no two lines share a name) with 1 and 2
worker processes; peak RSS is the largest single process's (the parent or a
worker), read from the kernel's accounting of the finished run.

Service: `followup serve` (granian, one worker process, so one core) on
127.0.0.1, driven by a small keep-alive HTTP/1.1 client in this process
(bounded: a fixed number of requests); requests/s on POST /v1/advise and on
GET /health, against the same evaluations in this process (facts JSON in,
validated, evaluated, advice JSON out), and /health latency while /v1/advise
is under load (the event loop stays free because evaluations run in threads).

    python benchmarks/bench_scale.py [--quick] [--million] [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import casegen  # noqa: E402
import followup  # noqa: E402
from service_support import running  # noqa: E402

FOLLOWUP = Path(sys.executable).with_name("followup")
PACK = "proactive"


# --- batch -------------------------------------------------------------------------

_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
took = time.perf_counter() - t
print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode, p.stderr.decode().strip()[-300:].replace(chr(10), ' '))
"""


def batch_run(path: Path, workers: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB, largest process) of one `followup batch` run."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(FOLLOWUP), "batch", str(path), "-o", os.devnull,
                          "--pack", PACK, "--workers", str(workers), "--no-progress"],
                         capture_output=True, text=True, check=True)
    took, rss, code, err = out.stdout.split(" ", 3)
    if int(code) not in (0, 1):
        raise SystemExit(f"followup batch failed: {err}")
    return float(took), int(rss) / 1024


def bench_batch(sizes: list[int], folder: Path) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        path = casegen.write(folder / f"cases-{n}.jsonl", n, [n // 3, n // 2, n - 1])
        one, rss1 = batch_run(path, 1)
        two, rss2 = batch_run(path, 2)
        rows.append({"lines": n, "mb": path.stat().st_size / 1e6, "w1": n / one, "w2": n / two, "rss1": rss1, "rss2": rss2})
        path.unlink()
    return rows


# --- service ------------------------------------------------------------------------

def request(method: str, path: str, body: bytes | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


async def _connection(host: str, port: int, raw: bytes, count: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            t = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            m = re.search(rb"content-length: *(\d+)", head, re.I)
            assert m is not None and head[9:12] == b"200", head[:200]
            await reader.readexactly(int(m.group(1)))
            latencies.append(time.perf_counter() - t)
    finally:
        writer.close()


async def _load(url: str, raw: bytes, total: int, connections: int) -> tuple[float, list[float]]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    t = time.perf_counter()
    await asyncio.gather(*(_connection(host, int(port), raw, total // connections, latencies) for _ in range(connections)))
    return (total // connections * connections) / (time.perf_counter() - t), latencies


async def _health_under_load(url: str, advise: bytes, health: bytes, total: int) -> list[float]:
    host, port = url.removeprefix("http://").split(":")
    lat: list[float] = []
    load = asyncio.gather(*(_connection(host, int(port), advise, total // 8, []) for _ in range(8)))
    await asyncio.sleep(0.2)
    await _connection(host, int(port), health, 50, lat)
    await load
    return lat


def in_process(body: dict[str, Any], total: int) -> float:
    engine = followup.Engine()
    raw = json.dumps(body["facts"]).encode()
    engine.advise(followup.parse_facts(raw), PACK, body["at"])  # compile and warm
    t = time.perf_counter()
    for _ in range(total):
        engine.advise(followup.parse_facts(raw), PACK, body["at"]).model_dump_json()
    return total / (time.perf_counter() - t)


def bench_service(total: int, threads: int) -> dict[str, Any]:
    facts = followup.load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True)
    body = {"facts": facts, "pack": PACK, "at": "2026-11-17T16:00"}
    advise = request("POST", "/v1/advise", json.dumps(body).encode())
    health = request("GET", "/health")
    with tempfile.TemporaryDirectory() as folder, running("--threads", str(threads), log=Path(folder) / "log") as s:
        asyncio.run(_load(s.url, advise, 200, 4))  # warm
        advise_rps, lat = asyncio.run(_load(s.url, advise, total, 8))
        health_rps, _ = asyncio.run(_load(s.url, health, total, 8))
        under = asyncio.run(_health_under_load(s.url, advise, health, total))
    return {"advise": advise_rps, "health": health_rps, "inproc": in_process(body, total),
            "p50": statistics.median(lat) * 1000, "health_p50": statistics.median(under) * 1000,
            "health_p99": sorted(under)[int(len(under) * 0.99) - 1] * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, for CI (numbers not meaningful)")
    ap.add_argument("--million", action="store_true", help="also 1,000,000 lines (about 1.2 GB of input, minutes)")
    ap.add_argument("--requests", type=int, default=3000, help="requests per service measurement")
    args = ap.parse_args()
    sizes = [2_000] if args.quick else [10_000, 100_000] + ([1_000_000] if args.million else [])
    total = 200 if args.quick else args.requests
    print(f"followup {followup.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start\n")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        rows = bench_batch(sizes, Path(folder))
    print(f"followup batch --pack {PACK} (inputs/s; peak RSS of the largest process)")
    print(f"{'lines':>10} {'MB':>7} {'1 worker':>10} {'2 workers':>10} {'2w/1w':>6} {'RSS 1w':>8} {'RSS 2w':>8}")
    for r in rows:
        print(f"{r['lines']:>10,} {r['mb']:>7.0f} {r['w1']:>10,.0f} {r['w2']:>10,.0f} {r['w2'] / r['w1']:>6.2f} "
              f"{r['rss1']:>6.0f}MB {r['rss2']:>6.0f}MB")
    if len(rows) > 1:
        a, b = rows[-2], rows[-1]
        print(f"RSS {b['lines']:,} vs {a['lines']:,} lines: 1 worker {b['rss1'] / a['rss1']:.2f}x, "
              f"2 workers {b['rss2'] / a['rss2']:.2f}x (target: within 0.90-1.10)")
    print()
    for threads in (4, 0):
        r = bench_service(total, threads)
        how = f"{threads} threads" if threads else "inline (on the event loop)"
        print(f"followup serve, 1 process, evaluations {how}; {total} requests, 8 connections")
        print(f"  /v1/advise {r['advise']:>8,.0f} req/s  (median {r['p50']:.1f} ms)")
        print(f"  /health    {r['health']:>8,.0f} req/s  -> advise/health {r['advise'] / r['health']:.2f}")
        print(f"  in-process {r['inproc']:>8,.0f} evals/s -> advise/in-process {r['advise'] / r['inproc']:.2f} (target >= 0.60)")
        print(f"  /health while /v1/advise is loaded: median {r['health_p50']:.1f} ms, p99 {r['health_p99']:.1f} ms")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (the machine is shared: compare ratios, not absolutes)")


if __name__ == "__main__":
    main()
