"""Exactly once where it can be, at least once always: write-ahead outbox, per-destination locks, idempotency keys,
a delivery log keyed by where the advice goes. Real processes against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from delivery_support import JUST_AFTER, Receiver
from followup import Engine
from followup.cli import cli
from followup.delivery import retry_outbox
from followup.outbox import Outbox

AT = "2026-11-17T16:00"
FOLLOWUP = Path(sys.executable).with_name("followup")


def advise(*extra: str):
    return CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", AT, *extra])


def run(*args: str, state: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLLOWUP_HOME": str(state)}
    return subprocess.run([str(FOLLOWUP), *args], capture_output=True, text=True, env=env, timeout=timeout)


def waiting_on_a_lock(pid: int, timeout: float = 60) -> None:
    """Until process `pid` blocks in flock (Linux lists waiters in /proc/locks as "-> FLOCK ... pid")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            locks = Path("/proc/locks").read_text()
        except OSError:
            time.sleep(5)  # no /proc: give it time to get there
            return
        if any(line.split()[1:2] == ["->"] and line.split()[5:6] == [str(pid)] for line in locks.splitlines()):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never waited on a lock")


def test_two_retries_at_once_deliver_each_entry_once(receiver: Receiver, state_home: Path) -> None:
    receiver.statuses = [503] * 4
    for path in ("a", "b", "c", "d"):
        assert advise("--to", f"webhook:{receiver.url}/{path},retries=0").exit_code == 3
    entries = Outbox().entries()
    assert len(entries) == 4 and all(e.key and e.state == "failed" for e in entries)
    first_keys = {r.path: r.key for r in receiver.received}

    # Run A sends /a and the receiver sits on it; run B starts meanwhile, so it too has every entry
    # to do, and waits on /a's lock; then the receiver answers and both go on through the rest.
    receiver.hold = True
    receiver.delay = 0.2
    env = {**os.environ, "FOLLOWUP_HOME": str(state_home)}
    receiver.arrived.clear()
    a = subprocess.Popen([str(FOLLOWUP), "outbox", "retry"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    assert receiver.arrived.wait(60)
    b = subprocess.Popen([str(FOLLOWUP), "outbox", "retry"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    waiting_on_a_lock(b.pid)
    receiver.release()
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert [a.returncode, b.returncode] == [0, 0], outs

    accepted = receiver.accepted()
    assert sorted(r.path for r in accepted) == ["/a", "/b", "/c", "/d"]  # each entry once, none twice
    assert all(r.key == first_keys[r.path] for r in accepted)  # the key the failed attempt carried
    skipped = sum(err.count("already delivered by another run") for _, err in outs)
    assert skipped == 4 and "already delivered by another run" in outs[1][1]
    assert Outbox().entries() == []


@pytest.mark.parametrize("rerun", ["outbox retry", "advise"])
def test_killed_mid_delivery_then_a_rerun_delivers_once_more_at_most_and_never_loses_it(
        receiver: Receiver, state_home: Path, rerun: str) -> None:
    receiver.hold = True  # the server takes the request and sits on it
    target = f"webhook:{receiver.url}/hook"
    argv = [str(FOLLOWUP), "advise", JUST_AFTER, "-p", "proactive", "--at", AT, "--to", target]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "FOLLOWUP_HOME": str(state_home)})
    try:
        assert receiver.arrived.wait(60), "the request never arrived"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    receiver.release()
    [first] = receiver.received

    # the advice was written ahead: it is in the outbox, with the key the lost attempt carried
    [entry] = Outbox().entries()
    assert entry.state == "sending" and entry.key == first.key and entry.target == target
    listed = CliRunner().invoke(cli, ["outbox", "list"])
    assert "written ahead of a send that has not finished" in listed.stdout

    again = run(*(rerun.split() if rerun == "outbox retry" else argv[1:]), state=state_home)
    assert again.returncode == 0, again.stderr
    assert [r.key for r in receiver.received] == [first.key, first.key]  # once more, the same key
    assert Outbox().entries() == []

    third = CliRunner().invoke(cli, argv[1:])
    assert third.exit_code == 0 and "already delivered" in third.stderr
    assert CliRunner().invoke(cli, ["outbox", "retry"]).exit_code == 0
    assert len(receiver.received) == 2


def test_the_log_is_keyed_by_where_it_goes_not_by_the_options(receiver: Receiver) -> None:
    url = f"{receiver.url}/hook"
    assert advise("--to", f"webhook:{url}").exit_code == 0
    for options in (",timeout=5", ",retries=1,backoff=2", ",timeout=5,style=slack"):
        result = advise("--to", f"webhook:{url}{options}")
        assert result.exit_code == 0 and "already delivered" in result.stderr, options
    assert len(receiver.received) == 1
    assert advise("--to", f"webhook:{url}/other").exit_code == 0  # another URL is another destination
    assert len(receiver.received) == 2


def test_the_key_is_stable_per_case_destination_and_revision(receiver: Receiver, tmp_path: Path) -> None:
    engine = Engine()
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    engine.deliver(advice, [f"webhook:{receiver.url}/x"])
    [sent] = receiver.received
    assert sent.key and sent.key.startswith("followup-") and sent.body["digest"]["idempotency_key"] == sent.key
    # another process with another state folder makes the same key for the same digest to the same place
    out = run("advise", JUST_AFTER, "-p", "proactive", "--at", AT, "--to", f"webhook:{receiver.url}/x,style=slack",
              state=tmp_path / "elsewhere")
    assert out.returncode == 0, out.stderr
    assert receiver.received[1].key == sent.key
    assert receiver.received[1].body["metadata"]["event_payload"]["idempotency_key"] == sent.key
    # another destination, another day's digest, or a deliberate --resend: another key
    engine.deliver(advice, [f"webhook:{receiver.url}/y,style=teams"])
    engine.deliver(engine.advise(JUST_AFTER, "proactive", "2026-11-18T10:00"), [f"webhook:{receiver.url}/x"])
    engine.deliver(engine.advise(JUST_AFTER, "proactive", "2026-11-18T10:00"), [f"webhook:{receiver.url}/x"],
                   resend=True)
    keys = [r.key for r in receiver.received]
    assert len(set(keys)) == 4 and keys[2] == receiver.received[2].body["followup"]["idempotency_key"]


def test_a_receiver_that_answers_too_late_gets_copies_it_can_drop(receiver: Receiver) -> None:
    engine = Engine()
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    receiver.delays = [0.6, 0.6, 0.6]  # every attempt arrives, none is answered in time
    [r] = engine.deliver(advice, [f"webhook:{receiver.url}/slow,timeout=0.2,retries=2"])
    assert r.status == "failed" and "no answer within 0.2s" in r.detail and "Idempotency-Key" in r.detail
    [entry] = Outbox().entries()
    assert not entry.permanent  # it may well have arrived: kept, and retried with its key
    # later the receiver is quick again
    [(_, retried)] = retry_outbox(engine.channels())
    assert retried.status == "delivered"
    keys = Counter(rec.key for rec in receiver.received)
    assert keys == {entry.key: 4}  # four copies reached it, all one message by their key
    assert Outbox().entries() == []


def test_outbox_list_json_shows_the_key_and_state(receiver: Receiver) -> None:
    receiver.statuses = [500]
    advise("--to", f"webhook:{receiver.url}/z,retries=0")
    [row] = json.loads(CliRunner().invoke(cli, ["outbox", "list", "--json"]).stdout)
    assert row["key"] == receiver.received[0].key and row["state"] == "failed" and row["attempts"] == 1
    assert row["identity"] == f"webhook:{receiver.url}/z" and "advice" not in row


def test_a_resend_that_fails_is_retried_not_mistaken_for_the_earlier_delivery(receiver: Receiver) -> None:
    engine = Engine()
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    target = f"webhook:{receiver.url}/r,retries=0"
    for _ in range(2):  # two deliberate re-sends in the same second still get keys of their own
        assert engine.deliver(advice, [target], resend=True)[0].status == "delivered"
    receiver.statuses = [503]
    assert engine.deliver(advice, [target], resend=True)[0].status == "failed"
    [(_, again)] = retry_outbox(engine.channels())
    assert again.status == "delivered"
    keys = [r.key for r in receiver.received]
    assert len(keys) == 4 and len(set(keys)) == 3 and keys[2] == keys[3]
