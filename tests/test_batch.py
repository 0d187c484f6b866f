"""followup batch: JSON Lines in, one result line per input out, bad lines as located error lines."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import casegen
import followup
from followup.batch import BatchEvaluator, evaluate_lines
from followup.batchfile import PROGRESS_SECONDS, line_ranges, run_batch
from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "just-after.yaml"
FOLLOWUP = Path(sys.executable).with_name("followup")


def results(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 generated cases, three of them broken (bad JSON, bad email, round as text)."""
    return casegen.write(tmp_path_factory.mktemp("batch") / "cases.jsonl", 1200, [17, 600, 1199])


@pytest.fixture(scope="module")
def one_worker(big: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out") / "one.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(big), "-o", str(out), "--pack", "proactive", "--workers", "1"])
    return out, result


def test_every_input_gets_a_result_line_and_bad_lines_name_their_line(one_worker: tuple[Path, object]) -> None:
    out, result = one_worker
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    rows = results(out)
    assert len(rows) == 1200
    assert [r["line"] for r in rows] == list(range(1, 1201))
    bad = [r for r in rows if not r["ok"]]
    assert [r["line"] for r in bad] == [17, 600, 1199]
    by_line = {r["line"]: r["problems"] for r in bad}
    assert by_line[17][0]["code"] == "json" and by_line[17][0]["line"] == 17 and by_line[17][0]["column"]
    assert by_line[600][0]["path"] == "facts.interviewers.0.email"
    assert by_line[1199][0]["path"] == "facts.interview.round" and by_line[1199][0]["hint"]
    assert all(p["file"] == str(out.parent.parent / "x") or p["file"].endswith("cases.jsonl") for ps in by_line.values() for p in ps)
    assert "1200 inputs: 1197 evaluated, 3 errors" in result.output  # type: ignore[attr-defined]
    assert "lines 17, 600, 1199" in result.output  # type: ignore[attr-defined]


def test_results_are_what_advise_says_for_the_same_case(one_worker: tuple[Path, object], big: Path) -> None:
    out, _ = one_worker
    rows = results(out)
    engine = followup.Engine()
    for n in (1, 2, 3, 700, 1198):
        case = orjson.loads(big.read_bytes().splitlines()[n - 1])
        expected = engine.advise(case["facts"], "proactive", case["at"])
        assert rows[n - 1]["id"] == f"case-{n}"
        assert rows[n - 1]["advice"] == json.loads(expected.model_dump_json())


def test_stdin_to_stdout_as_a_subprocess(tmp_path: Path) -> None:
    data = b"".join(casegen.lines(40, [5], envelope=False))
    proc = subprocess.run([str(FOLLOWUP), "batch", "-", "--pack", "conservative", "--at", "2026-11-20T09:00"],
                          input=data, capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    rows = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 40 and [r.get("id") for r in rows] == [f"case-{i}" if i != 5 else None for i in range(1, 41)]
    assert [r["line"] for r in rows if not r["ok"]] == [5]
    assert all(r["advice"]["at"].startswith("2026-11-20") for r in rows if r["ok"])
    assert proc.stderr.decode().strip().startswith("40 inputs: 39 evaluated, 1 error")
    assert "\x1b[" not in proc.stderr.decode()  # no progress bar when stderr is not a terminal


def test_blank_lines_are_skipped_but_counted_and_all_good_exits_0(tmp_path: Path) -> None:
    good = list(casegen.lines(3, envelope=False))
    src = tmp_path / "in.jsonl"
    src.write_bytes(good[0] + b"\n   \n" + good[1] + good[2].rstrip(b"\n"))  # no newline at the end
    result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert [r["line"] for r in results(tmp_path / "out.jsonl")] == [1, 4, 5]


def test_a_time_without_an_offset_is_read_in_the_company_zone_as_from_a_file(tmp_path: Path) -> None:
    """The same case with its times written as people write them (no offset) gives the advice a file gives."""
    facts = followup.load_facts(EXAMPLE).model_dump(mode="json", by_alias=True)
    zone = ZoneInfo(facts["position"]["timezone"])
    for key in ("start", "end"):
        local = datetime.fromisoformat(facts["interview"][key]).astimezone(zone)
        facts["interview"][key] = local.replace(tzinfo=None).isoformat()
    [row] = [orjson.loads(r) for r in evaluate_lines([orjson.dumps({"id": "x", "facts": facts})], "proactive",
                                                     "2026-11-17T18:00")]
    assert "error" not in row, row
    expected = followup.Engine().advise(followup.load_facts(EXAMPLE), "proactive", "2026-11-17T18:00")
    assert [(a["rule"], a["due"] and datetime.fromisoformat(a["due"])) for a in row["advice"]["actions"]] == \
        [(a.rule, a.due) for a in expected.actions]


def test_each_line_is_judged_at_its_own_time_when_it_gives_one(tmp_path: Path) -> None:
    """Walk one case over two weeks: the thank-you goes from today to overdue to past its point."""
    facts = followup.load_facts(EXAMPLE).model_dump(mode="json", by_alias=True)
    days = [f"2026-11-{d}T18:00" for d in (17, 18, 20, 24, 30)]
    lines = [orjson.dumps({"id": d, "at": d, "facts": facts}) for d in days]
    rows = [orjson.loads(r) for r in evaluate_lines(lines, "proactive")]
    engine = followup.Engine()
    for d, row in zip(days, rows, strict=True):
        expected = engine.advise(facts, "proactive", d)
        assert [a["rule"] for a in row["advice"]["actions"]] == [a.rule for a in expected.actions], d
        assert [a["urgency"] for a in row["advice"]["actions"]] == [a.urgency for a in expected.actions], d
    urgencies = [{a["urgency"] for a in r["advice"]["actions"] if a["kind"] == "thank_you"} for r in rows]
    assert urgencies[0] == {"today"} and "overdue" in urgencies[1]


def test_several_packs_key_the_advice_by_pack_name(tmp_path: Path) -> None:
    src = casegen.write(tmp_path / "in.jsonl", 4)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--packs", "conservative,tech-industry"])
    assert result.exit_code == 0, result.output
    for row in results(out):
        assert list(row["advice"]) == ["conservative", "tech-industry"]
        assert row["advice"]["tech-industry"]["pack"]["name"] == "tech-industry"


def test_envelope_and_mapping_problems_are_located(tmp_path: Path) -> None:
    facts = followup.load_facts(EXAMPLE).model_dump(mode="json", by_alias=True)
    items = [
        {"facts": facts, "id": 7, "when": "now"},                      # unknown envelope field
        {"facts": facts, "at": "next tuesday"},                         # a time that is not one
        {"facts": [1, 2]},                                              # facts not an object
        b"[1, 2]",                                                      # a line that is not an object
        {**facts, "id": {"nested": True}},                             # id of any JSON kind is echoed
    ]
    rows = [orjson.loads(r) for r in evaluate_lines(items, "conservative", "2026-11-18T09:00", source="mem")]
    assert rows[0]["problems"][0]["path"] == "when" and rows[0]["id"] == 7
    assert rows[1]["problems"][0]["path"] == "at" and "ISO 8601" in rows[1]["problems"][0]["hint"]
    assert rows[2]["problems"][0]["code"] == "not_facts"
    assert rows[3]["problems"][0]["code"] == "not_facts" and rows[3]["line"] == 4
    assert rows[4]["ok"] and rows[4]["id"] == {"nested": True}


def test_bad_pack_or_time_fails_before_writing_anything(tmp_path: Path) -> None:
    src = casegen.write(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    out.write_text("kept\n")
    r1 = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--pack", "proactiv"])
    assert r1.exit_code == 2 and "did you mean `proactive`" in r1.output
    r2 = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--at", "soon"])
    assert r2.exit_code == 2 and "ISO 8601" in r2.output
    r3 = CliRunner().invoke(cli, ["batch", str(tmp_path / "nope.jsonl")])
    assert r3.exit_code == 2 and "no file at" in r3.output
    assert out.read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no partial file left


def test_two_workers_write_the_same_lines_in_order_and_report_progress(one_worker: tuple[Path, object], big: Path,
                                                                        tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    started = time.monotonic()
    summary = run_batch(big, tmp_path / "two.jsonl", "proactive", datetime(2026, 11, 20, tzinfo=UTC), workers=2,
                        progress=lambda done, total: seen.append((done, total)))
    took = time.monotonic() - started
    assert (tmp_path / "two.jsonl").read_bytes() == one_worker[0].read_bytes()  # every line gives its own `at`
    assert summary.inputs == 1200 and summary.errors == 3 and summary.error_lines == [17, 600, 1199]
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (1200, 1200)
    # The parent waits for the next range in order: each report follows a written range or a
    # quarter second of waiting (it once spun, reporting thousands of times, when a later range finished first).
    ranges = len(line_ranges(big, 8))
    assert len(seen) <= ranges + took / PROGRESS_SECONDS + 2, len(seen)


def test_two_workers_from_stdin_to_a_pipe_as_a_subprocess(one_worker: tuple[Path, object], big: Path) -> None:
    """Standard input is spooled for the ranges; the ranges' results go to the pipe in order."""
    with big.open("rb") as f:
        proc = subprocess.run([str(FOLLOWUP), "batch", "-", "--pack", "proactive", "--workers", "2"], stdin=f,
                              capture_output=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == one_worker[0].read_bytes().replace(str(big).encode(), b"<stdin>")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=40), st.integers(1, 12))
def test_line_ranges_cover_the_file_and_start_on_lines(tmp_path_factory: pytest.TempPathFactory, rows: list[bytes],
                                                      parts: int) -> None:
    path = tmp_path_factory.mktemp("r") / "f"
    data = b"\n".join(rows)
    path.write_bytes(data)
    ranges = line_ranges(path, parts)
    if not data:
        assert ranges == []
        return
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a < b for a, b in ranges) and all(ranges[k][1] == ranges[k + 1][0] for k in range(len(ranges) - 1))
    assert all(data[a - 1:a] == b"\n" for a, _ in ranges[1:])


def test_evaluator_compiles_once_and_rejects_a_pack_given_twice() -> None:
    ev = BatchEvaluator(["conservative", "proactive"], "2026-11-18T09:00")
    assert [cp.name for cp in ev.packs] == ["conservative", "proactive"]
    with pytest.raises(followup.PackNotFound, match="twice"):
        BatchEvaluator(["conservative", "conservative"])


def test_100k_lines_with_3_bad_ones_on_2_workers_as_a_subprocess(tmp_path: Path) -> None:
    """Issue 13's done-when: 100,000 generated lines, 3 broken, through the CLI with 2 worker processes."""
    n, bad = 100_000, [4_711, 50_000, 99_998]  # one of each broken kind: not JSON, bad email, round as text
    src = casegen.write(tmp_path / "cases.jsonl", n, bad)
    out = tmp_path / "advice.jsonl"
    proc = subprocess.run([str(FOLLOWUP), "batch", str(src), "-o", str(out), "--pack", "proactive", "--workers", "2"],
                          capture_output=True, timeout=1800)
    assert proc.returncode == 1, proc.stderr  # 1: some inputs were errors
    summary = proc.stderr.decode()
    assert summary.startswith("100000 inputs: 99997 evaluated, 3 errors")
    assert "errors at lines 4711, 50000, 99998" in summary
    count, errors = 0, {}
    with out.open("rb") as f:
        for count, line in enumerate(f, start=1):
            row = orjson.loads(line)
            assert row["line"] == count
            if row["ok"]:
                assert row["id"] == f"case-{count}" and row["advice"]["actions"]
            else:
                errors[count] = row["problems"]
    assert count == n
    assert list(errors) == bad
    assert all(p["line"] == k and p["file"] == str(src) for k, ps in errors.items() for p in ps)
    assert errors[4_711][0]["code"] == "json"
    assert errors[50_000][0]["path"] == "facts.interviewers.0.email"
    assert errors[99_998][0]["path"] == "facts.interview.round"


def test_sigterm_stops_a_parallel_batch_and_leaves_no_scratch_or_partial_output(tmp_path: Path) -> None:
    """A stopped job (kill, a cron timeout) exits soon, removes its scratch ranges and the unfinished output."""
    src = tmp_path / "in.jsonl"
    with src.open("wb") as f:
        f.writelines(casegen.lines(6000, envelope=False))
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    out = tmp_path / "out" / "results.jsonl"
    out.parent.mkdir()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("followup")), "batch", str(src), "-o", str(out),
                             "--workers", "2", "--at", "2026-11-20T10:00"],
                            env={**os.environ, "TMPDIR": str(scratch_root)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(scratch_root.glob("followup-batch-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch ended before it could be stopped: give it more lines"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr.read() if proc.stderr else ""
    assert list(scratch_root.glob("followup-batch-*")) == []
    assert list(out.parent.iterdir()) == []  # no results.jsonl, no .results.jsonl.*.part


# Run in the batch's own process (python -c, then the real `followup` entry point): sends the stop at
# one exact point of the pool's start or of the batch, so that Python's handler runs right there.
_STOP_AT = r'''
import os, signal, sys, threading, weakref
import multiprocessing.context, multiprocessing.util
from concurrent.futures import ProcessPoolExecutor, process as pool_module
import followup.batchfile as batchfile

plan = dict(step.split("=") for step in sys.argv[1].split(","))  # point=SIGNAL[/group], in order
def at(point):
    how = plan.pop(point, None)
    if how is None:
        return
    name, _, group = how.partition("/")
    print(f"stop sent at {point}", file=sys.stderr, flush=True)
    if group:
        os.killpg(0, getattr(signal, name))  # Ctrl-C at a terminal: the workers get it too
    else:
        os.kill(os.getpid(), getattr(signal, name))

spawnv = multiprocessing.util.spawnv_passfds
def spawnv_passfds(path, args, fds):
    pid = spawnv(path, args, fds)
    if "--multiprocessing-fork" in args:
        at("spawned")  # a worker runs, its instructions not yet sent
    return pid
multiprocessing.util.spawnv_passfds = spawnv_passfds

start = multiprocessing.context.SpawnProcess.start
def process_start(self):
    start(self)
    at("started")  # a worker started, not yet in the pool's record
multiprocessing.context.SpawnProcess.start = process_start

thread_start = threading.Thread.start
def manager_start(self):
    manager = isinstance(self, pool_module._ExecutorManagerThread)
    if manager:
        at("manager")  # the pool's manager thread made, not started
    thread_start(self)
    if manager:
        at("manager-started")
threading.Thread.start = manager_start

shutdown = ProcessPoolExecutor.shutdown
def pool_shutdown(self, *args, **kwargs):
    at("shutdown")
    return shutdown(self, *args, **kwargs)
ProcessPoolExecutor.shutdown = pool_shutdown

class Dropped:
    pass
def in_finalizer(ref):
    at("finalizer")  # Python prints the handler's exception here and drops it
append = batchfile._append
def range_appended(part, out):
    at("ranges")  # the batch under way
    if "finalizer" in plan:
        dropped = Dropped()
        ref = weakref.ref(dropped, in_finalizer)
        del dropped
    append(part, out)
batchfile._append = range_appended

sys.argv = ["followup", *sys.argv[2:]]
from followup.cli import main
main()
'''


def _session(sid: int) -> list[int]:
    """Processes of a session (the batch, its workers, multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if int(stat[stat.rindex(")") + 2:].split()[3]) == sid:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def parallel_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Over 1 MiB (run by workers), in eight ranges."""
    return casegen.write(tmp_path_factory.mktemp("stops") / "in.jsonl", 2000)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds leftover processes through /proc")
@pytest.mark.parametrize(("plan", "code"), [
    ("spawned=SIGTERM", 143),
    ("started=SIGTERM", 143),
    ("manager=SIGTERM", 143),
    ("manager-started=SIGTERM", 143),
    ("ranges=SIGTERM", 143),
    ("spawned=SIGINT/group", 130),            # Ctrl-C at a terminal while a worker starts up
    ("manager=SIGTERM,shutdown=SIGINT", 143),  # a second stop while the first ends the pool
], ids=lambda v: str(v))
def test_a_stop_at_any_point_of_the_pools_start_ends_the_batch_cleanly(parallel_input: Path, tmp_path: Path,
                                                                       plan: str, code: int) -> None:
    """Sent from inside the batch at exact points (not after a delay), so each run tests the same moment:
    the stop never breaks the pool half made ('cannot join thread before it is started', a worker left
    waiting for ever, a worker dying with a traceback); the batch exits 128 + the signal, says so, and
    leaves no worker, scratch folder or partial output."""
    proc, stderr, scratch_root, out = _stop_at(plan, parallel_input, tmp_path)
    assert all(f"stop sent at {point.split('=')[0]}" in stderr for point in plan.split(",")), stderr
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    name = "SIGTERM" if code == 143 else "SIGINT"
    assert f"batch stopped by {name}: {out} was not written" in stderr
    assert list(scratch_root.iterdir()) == []
    assert list(out.parent.iterdir()) == []
    deadline = time.monotonic() + 30  # the resource tracker ends once every process it served has
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _session(proc.pid) == []


def _stop_at(plan: str, source: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str, Path, Path]:
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    out = tmp_path / "out" / "results.jsonl"
    out.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _STOP_AT, plan, "batch", str(source), "-o", str(out),
                             "--workers", "2", "--at", "2026-11-20T10:00"],
                            env={**os.environ, "TMPDIR": str(scratch_root)}, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # hung: end it and what it started, and fail
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc, err.decode(), scratch_root, out


def test_a_stop_whose_exception_python_drops_still_stops_the_batch(parallel_input: Path, tmp_path: Path) -> None:
    """A handler that runs inside a weakref callback or finalizer has its exception printed and dropped by
    Python (seen on 3.13 inside the import system): the stop is kept and raised at the batch's next check."""
    proc, stderr, scratch_root, out = _stop_at("finalizer=SIGTERM", parallel_input, tmp_path)
    assert "stop sent at finalizer" in stderr and "Exception ignored" in stderr, stderr
    assert proc.returncode == 143, stderr
    assert f"batch stopped by SIGTERM: {out} was not written" in stderr
    assert list(scratch_root.iterdir()) == [] and list(out.parent.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds leftover processes through /proc")
def test_workers_end_with_a_killed_batch(parallel_input: Path, tmp_path: Path) -> None:
    """SIGKILL (the OOM killer, a hard timeout) leaves the batch no chance to end its workers: they end
    by themselves instead of waiting for their next range for ever."""
    proc, stderr, _, _ = _stop_at("ranges=SIGKILL", parallel_input, tmp_path)
    assert "stop sent at ranges" in stderr and proc.returncode == -signal.SIGKILL, stderr
    deadline = time.monotonic() + 60
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _session(proc.pid) == []


def test_ctrl_c_in_a_program_that_runs_a_parallel_batch(parallel_input: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """From Python (the main thread, Python's own Ctrl-C handler): KeyboardInterrupt reaches the caller once
    the workers are ended and the scratch folder and the unfinished output removed."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    out = tmp_path / "out.jsonl"

    def interrupt(done: int, total: int | None) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    # Python's own handler, whatever this process was started with (a background job ignores Ctrl-C).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = set(multiprocessing.active_children())
        with pytest.raises(KeyboardInterrupt):
            run_batch(parallel_input, out, "proactive", "2026-11-20T10:00", workers=2, progress=interrupt)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert set(multiprocessing.active_children()) <= before


def test_a_callers_handler_that_does_not_stop_is_called_once_and_the_batch_completes(
        parallel_input: Path, tmp_path: Path) -> None:
    """A program's own SIGTERM handler that only takes note (a server asked to finish what it is doing) is
    called once per signal, and the batch goes on to the end."""
    calls: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
    try:
        sent: list[bool] = []

        def terminate(done: int, total: int | None) -> None:
            if not sent:
                sent.append(True)
                os.kill(os.getpid(), signal.SIGTERM)

        summary = run_batch(parallel_input, tmp_path / "out.jsonl", "proactive", "2026-11-20T10:00", workers=2,
                            progress=terminate)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert calls == [signal.SIGTERM]
    assert summary.inputs == 2000 and len((tmp_path / "out.jsonl").read_bytes().splitlines()) == 2000
