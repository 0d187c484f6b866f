"""Nothing lost: a failed channel leaves the advice in the outbox, `followup outbox retry` delivers it later."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from followup.cli import cli
from followup.outbox import Outbox

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = str(ROOT / "examples" / "just-after.yaml")
AT = "2026-11-17T16:00"
FOLLOWUP = Path(sys.executable).with_name("followup")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hook:
    def __init__(self, port: int) -> None:
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hangup:
    """A server that dies mid-request: it reads the request, then closes the connection without answering."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.hits = 0

        def serve() -> None:
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                conn.recv(65536)
                self.hits += 1
                conn.close()

        threading.Thread(target=serve, daemon=True).start()

    def stop(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not free the port
        except OSError:
            pass
        self.sock.close()


def advise(*extra: str):
    return CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", AT, *extra])


def test_server_down_keeps_advice_in_outbox_and_retry_delivers_it(tmp_path: Path, state_home: Path) -> None:
    port = free_port()
    ics = tmp_path / "out.ics"
    url = f"webhook:http://127.0.0.1:{port}/,retries=1"
    result = advise("--to", "terminal", "--to", f"ics:{ics}", "--to", url)
    assert result.exit_code == 3, result.output
    assert "Connection refused" in result.stderr and "followup outbox retry" in result.stderr
    assert ics.exists() and "Send a thank-you to Dana Lee" in result.stdout  # the others still delivered
    listed = CliRunner().invoke(cli, ["outbox", "list", "--json"])
    [entry] = json.loads(listed.stdout)
    assert entry["target"] == f"webhook:http://127.0.0.1:{port}/,retries=1" and entry["actions"] > 0
    assert (state_home / "outbox.json").exists()

    still_down = CliRunner().invoke(cli, ["outbox", "retry"])
    assert still_down.exit_code == 3 and "1 left in the outbox" in still_down.stderr
    assert Outbox().entries()[0].attempts == 2

    hook = Hook(port)
    try:
        retried = CliRunner().invoke(cli, ["outbox", "retry"])
        assert retried.exit_code == 0, retried.output
        assert len(hook.bodies) == 1 and hook.bodies[0]["company"] == "Northwind Analytics"
        assert Outbox().entries() == []
        assert "empty" in CliRunner().invoke(cli, ["outbox", "list"]).stdout
        # and it counts as delivered: a re-run sends nothing twice
        again = advise("--to", url)
        assert again.exit_code == 0 and "already delivered" in again.stderr and len(hook.bodies) == 1
    finally:
        hook.stop()


def test_server_dying_mid_request_then_retry_once_it_is_back(tmp_path: Path) -> None:
    port = free_port()
    outbox = tmp_path / "my-outbox.json"
    hangup = Hangup(port)
    try:
        result = advise("--to", f"webhook:http://127.0.0.1:{port}/hook,retries=2", "--outbox", str(outbox))
    finally:
        hangup.stop()
    assert result.exit_code == 3
    assert hangup.hits == 3  # first try + 2 retries
    assert "kept in the outbox" in result.stderr and str(outbox) in result.stderr
    assert len(Outbox(outbox).entries()) == 1
    hook = Hook(port)
    try:
        env = {**os.environ, "FOLLOWUP_OUTBOX": str(outbox)}
        proc = subprocess.run([str(FOLLOWUP), "outbox", "retry"], capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "1 delivered, 0 still failing; 0 left" in proc.stderr
        assert len(hook.bodies) == 1
    finally:
        hook.stop()
    assert Outbox(outbox).entries() == []


def test_delivery_is_idempotent_per_target_unless_resend() -> None:
    port = free_port()
    hook = Hook(port)
    try:
        target = f"webhook:http://127.0.0.1:{port}/"
        assert advise("--to", target).exit_code == 0
        second = advise("--to", target)
        assert second.exit_code == 0 and "skipped, already delivered" in second.stderr
        assert len(hook.bodies) == 1
        other = advise("--to", target + "other")  # another target is another delivery
        assert other.exit_code == 0 and len(hook.bodies) == 2
        assert advise("--to", target, "--resend").exit_code == 0
        assert len(hook.bodies) == 3
        # a reminder whose content changed makes a new digest: everything open, the changed one marked
        from followup import Engine

        engine = Engine()
        advice = engine.advise(JUST_AFTER, "proactive", AT)
        first = advice.actions[0]
        moved = first.model_copy(update={"due": first.due.replace(hour=20)})
        changed = advice.model_copy(update={"actions": [moved, *advice.actions[1:]]})
        [r] = engine.deliver(changed, [target])
        assert r.status == "delivered" and r.actions == len(advice.actions)
        assert len(hook.bodies[-1]["actions"]) == len(advice.actions)
        marked = [i for i in hook.bodies[-1]["digest"]["items"] if i["mark"]]
        assert [(i["rank"], i["mark"]) for i in marked] == [(first.rank, "changed")]
        assert engine.deliver(changed, [target])[0].status == "skipped"
    finally:
        hook.stop()


def test_unreadable_outbox_is_reported_and_never_overwritten(state_home: Path) -> None:
    state_home.mkdir(parents=True)
    box = state_home / "outbox.json"
    box.write_text('{"version": 1, "entries": [ oops')
    result = CliRunner().invoke(cli, ["outbox", "list"])
    assert result.exit_code == 2
    assert f"{box}:1:" in result.stderr and "will not overwrite" in result.stderr
    down = advise("--to", f"webhook:http://127.0.0.1:{free_port()}/,retries=0")
    assert down.exit_code != 0 and "Traceback" not in down.output
    assert box.read_text() == '{"version": 1, "entries": [ oops'


def test_retry_only_named_entries_and_unknown_ids() -> None:
    p1, p2 = free_port(), free_port()
    advise("--to", f"webhook:http://127.0.0.1:{p1}/,retries=0")
    advise("--to", f"webhook:http://127.0.0.1:{p2}/,retries=0")
    entries = Outbox().entries()
    assert len(entries) == 2
    hook = Hook(p2)
    try:
        wanted = next(e for e in entries if str(p2) in e.target)
        ok = CliRunner().invoke(cli, ["outbox", "retry", wanted.id])
        assert ok.exit_code == 0 and len(hook.bodies) == 1
    finally:
        hook.stop()
    assert [e.target for e in Outbox().entries()] == [f"webhook:http://127.0.0.1:{p1}/,retries=0"]
    bad = CliRunner().invoke(cli, ["outbox", "retry", "nope"])
    assert bad.exit_code == 2 and "not in the outbox" in bad.output
