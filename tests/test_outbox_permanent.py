"""Failures that will not pass are marked permanent and parked; `followup outbox drop` removes entries;
the webhook retries answers that are cut short or are not HTTP."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup import Engine
from followup.cli import cli
from followup.outbox import Outbox

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = str(ROOT / "examples" / "just-after.yaml")
AT = "2026-11-17T16:00"


class RawServer:
    """A TCP server on 127.0.0.1 answering each connection with the next scripted bytes (then a good 200)."""

    OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests.append(body)
                conn.sendall(self.answers.pop(0) if self.answers else self.OK)

    def stop(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def engine() -> Engine:
    return Engine()


def advise(*extra: str):
    return CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", AT, *extra])


def test_webhook_retries_a_hang_up_mid_answer_and_an_answer_that_is_not_http(engine: Engine) -> None:
    server = RawServer([b"", b"HTTP/1.1 2", b"SSH-2.0-OpenSSH_9.6\r\n"])  # hang up, cut short, not HTTP
    try:
        advice = engine.advise(JUST_AFTER, "proactive", AT)
        [r] = engine.deliver(advice, [f"webhook:{server.url},retries=3,backoff=0.01"])
        assert r.status == "delivered", r.detail
        assert len(server.requests) == 4
        assert all(json.loads(b)["company"] == "Northwind Analytics" for b in server.requests)
    finally:
        server.stop()


def test_webhook_that_never_answers_http_is_kept_for_a_retry_not_parked(engine: Engine) -> None:
    server = RawServer([b"220 smtp.example ESMTP ready\r\n"] * 3)
    try:
        advice = engine.advise(JUST_AFTER, "proactive", AT)
        [r] = engine.deliver(advice, [f"webhook:{server.url},retries=2,backoff=0.01"])
    finally:
        server.stop()
    assert r.status == "failed" and not r.permanent
    assert "the answer is not HTTP" in r.detail and "after 3 attempts" in r.detail
    [entry] = Outbox().entries()
    assert not entry.permanent


def test_a_2xx_whose_body_is_cut_counts_as_delivered(engine: Engine) -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
    server = RawServer([cut])
    try:
        advice = engine.advise(JUST_AFTER, "proactive", AT)
        [r] = engine.deliver(advice, [f"webhook:{server.url},retries=2,backoff=0.01"])
    finally:
        server.stop()
    assert r.status == "delivered" and len(server.requests) == 1


def test_refusals_that_cannot_pass_are_parked_and_the_rest_still_retried(tmp_path: Path) -> None:
    gone = RawServer([b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"])
    moved = RawServer([b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/\r\nContent-Length: 0\r\n\r\n"])
    foreign = tmp_path / "mine.ics"
    foreign.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nEND:VCALENDAR\r\n")
    down = socket.create_server(("127.0.0.1", 0))
    down_url = f"http://127.0.0.1:{down.getsockname()[1]}/"
    down.close()
    try:
        result = advise("--to", f"webhook:{gone.url},retries=3", "--to", f"webhook:{moved.url}",
                        "--to", f"ics:{foreign}", "--to", f"webhook:{down_url},retries=0")
    finally:
        gone.stop()
        moved.stop()
    assert result.exit_code == 3
    assert len(gone.requests) == 1  # a 404 is not retried
    assert "redirects to http://elsewhere.example/" in result.stderr
    assert result.stderr.count("marked permanent") == 3
    entries = {e.target.split(",")[0]: e for e in Outbox().entries()}
    assert entries[f"webhook:{gone.url}"].permanent and entries[f"webhook:{moved.url}"].permanent
    assert entries[f"ics:{foreign}"].permanent and not entries[f"webhook:{down_url}"].permanent
    assert "someone" in foreign.read_text()

    listed = CliRunner().invoke(cli, ["outbox", "list"])
    assert listed.stdout.count("permanent: not retried automatically") == 3

    # a plain retry leaves the parked ones alone and tries the transient one
    retried = CliRunner().invoke(cli, ["outbox", "retry"])
    assert retried.exit_code == 3
    assert "0 delivered, 1 still failing, 3 marked permanent not retried (--all tries them); 4 left" in retried.stderr
    ics_id = entries[f"ics:{foreign}"].id
    assert next(e for e in Outbox().entries() if e.id == ics_id).attempts == 1

    # named, a parked entry is tried again: the user moved their calendar aside
    foreign.unlink()
    named = CliRunner().invoke(cli, ["outbox", "retry", ics_id])
    assert named.exit_code == 0, named.output
    assert foreign.exists() and ics_id not in {e.id for e in Outbox().entries()}

    dropped = CliRunner().invoke(cli, ["outbox", "drop", "--permanent"])
    assert dropped.exit_code == 0 and "2 dropped; 1 left" in dropped.stderr
    [left] = Outbox().entries()
    assert left.target.startswith(f"webhook:{down_url}")
    assert CliRunner().invoke(cli, ["outbox", "drop", "nope"]).exit_code == 2
    assert CliRunner().invoke(cli, ["outbox", "drop"]).exit_code == 2
    assert len(Outbox().entries()) == 1
    assert "1 dropped; 0 left" in CliRunner().invoke(cli, ["outbox", "drop", left.id]).stderr
    advise("--to", f"webhook:{down_url},retries=0")
    advise("--to", f"webhook:{down_url}x,retries=0")
    assert "2 dropped; 0 left" in CliRunner().invoke(cli, ["outbox", "drop", "--all"]).stderr


def test_a_host_that_does_not_exist_is_permanent(engine: Engine) -> None:
    try:
        socket.getaddrinfo("no-such-host.invalid", 80)
    except socket.gaierror as exc:
        if exc.errno != socket.EAI_NONAME:
            pytest.skip(f"this machine's resolver answers {exc} for a .invalid name")
    else:
        pytest.skip("this machine's resolver finds a .invalid name")
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    [r] = engine.deliver(advice, ["webhook:http://no-such-host.invalid/hook,retries=3,backoff=5"])
    assert r.status == "failed" and r.permanent and "check the host name" in r.detail


def test_a_file_written_with_newer_advice_drops_the_stale_copies_kept_for_it(tmp_path: Path) -> None:
    blocker = tmp_path / "cal"
    blocker.write_text("a file where the folder should be")
    ics = blocker / "advice.ics"
    assert advise("--to", f"ics:{ics}").exit_code == 3
    assert CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", "2026-11-18T09:00",
                                    "--to", f"ics:{ics}"]).exit_code == 3
    [entry] = Outbox().entries()  # the newer advice replaced the older for the same file and case
    assert entry.advice["at"].startswith("2026-11-18T09:00")
    blocker.unlink()
    later = CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", "2026-11-19T09:00",
                                     "--to", f"ics:{ics}", "--to", f"json:{tmp_path / 'a.json'}"])
    assert later.exit_code == 0, later.output
    assert Outbox().entries() == []  # a retry would have put Wednesday's advice over Thursday's
    assert "DTSTAMP:20261119T090000Z" in ics.read_text()
