"""Batch and service at scale: throughput and memory, as ratios measured in one run.

Batch: `followup batch` on generated JSON Lines (tests/casegen.py: the example
cases with every person renamed, so no two lines share a name) with 1 and 2
worker processes at 10k and 100k lines (--million adds 1,000,000): inputs/s,
CPU per input summed over every process (what the machine's load does not
change much), peak RSS of the largest process (the kernel's account of the
finished run, from wait4) and of all its processes together (sampled every
50 ms), and the load average when each run ended.

Service: `followup serve` (granian, one worker process, so one core) on
127.0.0.1, driven by a small keep-alive HTTP/1.1 client in this process
(bounded: a fixed number of requests); requests/s on POST /v1/advise and on
GET /health, against the same evaluations in this process (facts JSON in,
validated, evaluated, advice JSON out), in interleaved rounds, and /health
latency while /v1/advise is under load; as served by default (short
decisions on the event loop, everything else in threads), with every
evaluation in a thread, and with none.

    python benchmarks/bench_scale.py [--quick] [--million] [--requests 3000] [--no-batch | --no-service]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import psutil  # noqa: E402  (installed with followup[dask], part of followup[test])

import casegen  # noqa: E402
import followup  # noqa: E402
from service_support import running  # noqa: E402

FOLLOWUP = Path(sys.executable).with_name("followup")
PACK = "proactive"
SERVICE_SETUPS = (  # how `followup serve` evaluates, and the options that make it do so
    ("default: decisions up to 8 KB naming <= 16 people on the event loop, the rest in 4 threads", ()),
    ("every evaluation in a thread (--inline-bytes 0)", ("--inline-bytes", "0")),
    ("every evaluation on the event loop (--threads 0)", ("--threads", "0")),
)


# --- batch -------------------------------------------------------------------------

def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:  # a worker that just ended
            pass
    return total


def batch_run(path: Path, workers: int) -> dict[str, float]:
    """One `followup batch` run: wall seconds, CPU seconds of every process, peak RSS (MiB) of the
    largest process (the kernel's account, from wait4) and of all its processes together (sampled)."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen([str(FOLLOWUP), "batch", str(path), "-o", os.devnull, "--pack", PACK,
                                 "--workers", str(workers), "--no-progress"], stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.05):
                peak = max(peak, _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # the rusage of the process and the workers it waited for
        took = time.perf_counter() - t
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(f"followup batch failed: {err.read().decode()[-500:]}")
    return {"seconds": took, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024,
            "tree": peak / 2**20, "load": os.getloadavg()[0]}


def bench_batch(plan: list[tuple[int, list[int]]], folder: Path) -> list[dict[str, Any]]:
    """For each size, a generated file (three bad lines) run with each number of workers; each
    row is printed as soon as it is measured (a million lines take a while)."""
    print(f"followup batch --pack {PACK}: inputs/s, CPU µs per input (all processes), peak RSS of the largest "
          "process and of all processes together, load average at the end of the run")
    print(f"{'lines':>9} {'MB':>5} {'w':>2} {'inputs/s':>9} {'CPU µs':>7} {'RSS':>6} {'RSS all':>8} {'load':>5}  vs 1w",
          flush=True)
    rows = []
    for n, workers in plan:
        path = casegen.write(folder / f"cases-{n}.jsonl", n, [n // 3, n // 2, n - 1])
        row: dict[Any, Any] = {"lines": n, "mb": path.stat().st_size / 1e6}
        for w in workers:
            m = row[w] = batch_run(path, w)
            ratio = f"{row[1]['seconds'] / m['seconds']:.2f}x" if w != 1 and 1 in row else ""
            print(f"{n:>9,} {row['mb']:>5.0f} {w:>2} {n / m['seconds']:>9,.0f} {m['cpu'] / n * 1e6:>7,.0f} "
                  f"{m['rss']:>4.0f}MB {m['tree']:>6.0f}MB {m['load']:>5.1f}  {ratio}", flush=True)
        rows.append(row)
        path.unlink()
    return rows


def print_rss(rows: list[dict[str, Any]]) -> None:
    for a, b in itertools.pairwise(rows):
        for w in sorted(k for k in b if isinstance(k, int) and k in a):
            print(f"RSS at {b['lines']:,} vs {a['lines']:,} lines, {w} worker{'s' * (w != 1)}: largest process "
                  f"{b[w]['rss'] / a[w]['rss']:.2f}x, all processes {b[w]['tree'] / a[w]['tree']:.2f}x (target: 0.90-1.10)")
    print("vs 1w is wall time: 2 workers reach 2x only when both cores are free (see the load column); "
          "CPU µs per input barely changes with the number of workers when the parallel part costs nothing")


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


class InProcess:
    """The service's evaluations without HTTP: facts JSON in, validated, evaluated, advice JSON out."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.engine = followup.Engine()
        self.raw = json.dumps(body["facts"]).encode()
        self.at = body["at"]
        self.engine.advise(followup.parse_facts(self.raw), PACK, self.at)  # compile and warm

    def rate(self, total: int) -> tuple[float, float]:
        """Evaluations per second and CPU seconds per evaluation."""
        t, cpu = time.perf_counter(), time.process_time()
        for _ in range(total):
            self.engine.advise(followup.parse_facts(self.raw), PACK, self.at).model_dump_json()
        return total / (time.perf_counter() - t), (time.process_time() - cpu) / total


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and every process below it (the server's workers)."""
    root = psutil.Process(pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def bench_service(total: int, args: tuple[str, ...], rounds: int) -> dict[str, Any]:
    """Rounds of /v1/advise, /health and in-process evaluations, interleaved so that a change in
    the machine's load falls on all three alike; the median round of each is reported, and the
    median of the rounds' ratios (service against in-process). The
    server's CPU per request (all its processes, from the kernel) is what a busy machine changes
    least: on a free core, requests/s is one over it."""
    facts = followup.load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True)
    body = {"facts": facts, "pack": PACK, "at": "2026-11-17T16:00"}
    advise = request("POST", "/v1/advise", json.dumps(body).encode())
    health = request("GET", "/health")
    local = InProcess(body)
    each = max(8, total // rounds)
    got: dict[str, list[float]] = {k: [] for k in ("advise", "health", "inproc", "advise_cpu", "health_cpu", "inproc_cpu")}
    lat: list[float] = []
    with tempfile.TemporaryDirectory() as folder, running(*args, log=Path(folder) / "log") as s:
        asyncio.run(_load(s.url, advise, 200, 4))  # warm
        for _ in range(rounds):
            for name, raw in (("advise", advise), ("health", health)):
                cpu = _tree_cpu(s.proc.pid)
                rate, round_lat = asyncio.run(_load(s.url, raw, each, 8))
                got[f"{name}_cpu"].append((_tree_cpu(s.proc.pid) - cpu) / (each // 8 * 8))
                got[name].append(rate)
                if name == "advise":
                    lat += round_lat
            rate, cpu_each = local.rate(each)
            got["inproc"].append(rate)
            got["inproc_cpu"].append(cpu_each)
        under = asyncio.run(_health_under_load(s.url, advise, health, total))
    med = {k: statistics.median(v) for k, v in got.items()}
    # each round's ratio compares measurements taken seconds apart, so a change in the machine's
    # load between rounds moves both sides of it alike; their median is the ratio reported
    med["by_rate"] = statistics.median(a / i for a, i in zip(got["advise"], got["inproc"], strict=True))
    med["by_cpu"] = statistics.median(i / a for a, i in zip(got["advise_cpu"], got["inproc_cpu"], strict=True))
    return {**med, "p50": statistics.median(lat) * 1000, "health_p50": statistics.median(under) * 1000,
            "health_p99": sorted(under)[int(len(under) * 0.99) - 1] * 1000}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, for CI (numbers not meaningful)")
    ap.add_argument("--million", action="store_true", help="also 1,000,000 lines (about 1.2 GB of input, minutes)")
    ap.add_argument("--workers", default="1,2", help="worker counts to run at each size (default: 1,2)")
    ap.add_argument("--million-workers", default="1,2", metavar="LIST",
                    help="worker counts at 1,000,000 lines (default: 1,2; one worker takes the longest)")
    ap.add_argument("--requests", type=int, default=3000, help="requests per service measurement")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds the requests are split into")
    ap.add_argument("--no-batch", action="store_true", help="the service only")
    ap.add_argument("--no-service", action="store_true", help="batch only")
    args = ap.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    plan = [(2_000, workers)] if args.quick else [(10_000, workers), (100_000, workers)]
    if args.million:
        plan.append((1_000_000, [int(w) for w in args.million_workers.split(",")]))
    total = 200 if args.quick else args.requests
    print(f"followup {followup.__version__} (commit {_commit()}), Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M %Z')}, load average {os.getloadavg()[0]:.1f} at start\n")
    if not args.no_batch:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
            rows = bench_batch(plan, Path(folder))
        print_rss(rows)
        print()
    if not args.no_service:
        for how, options in SERVICE_SETUPS:
            r = bench_service(total, options, args.rounds)
            print(f"followup serve, 1 process, {how}; {total} requests, 8 connections, "
                  f"median of {args.rounds} interleaved rounds")
            print(f"  {'':11} {'req/s':>8} {'CPU µs':>8}  (CPU: of every server process per request)")
            print(f"  /v1/advise {r['advise']:>8,.0f} {r['advise_cpu'] * 1e6:>8,.0f}  median latency {r['p50']:.1f} ms")
            print(f"  /health    {r['health']:>8,.0f} {r['health_cpu'] * 1e6:>8,.0f}  advise/health "
                  f"{r['advise'] / r['health']:.2f}")
            print(f"  in-process {r['inproc']:>8,.0f} {r['inproc_cpu'] * 1e6:>8,.0f}  advise/in-process "
                  f"{r['by_rate']:.2f} by req/s, {r['by_cpu']:.2f} by CPU (target >= 0.60)")
            print(f"  /health while /v1/advise is loaded: median {r['health_p50']:.1f} ms, p99 {r['health_p99']:.1f} ms")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (the machine is shared: compare ratios, not absolutes)")


if __name__ == "__main__":
    main()
