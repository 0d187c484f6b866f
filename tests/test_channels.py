"""Output channels through their real interfaces: the API, the CLI (CliRunner and a subprocess), real servers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from followup import Engine
from followup.channels import ChannelOptionError, action_uid, parse_target
from followup.cli import cli
from followup.results import Advice

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"
FOLLOWUP = Path(sys.executable).with_name("followup")


@pytest.fixture(scope="module")
def advice(engine: Engine) -> Advice:
    return engine.advise(JUST_AFTER, "proactive", AT)


class Hook:
    """A real HTTP server on 127.0.0.1 recording POSTs; `statuses` scripts the answers (then 200)."""

    def __init__(self, port: int = 0) -> None:
        self.bodies: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.delay:
                    import time

                    time.sleep(hook.delay)
                status = hook.statuses.pop(0) if hook.statuses else 200
                if status == 200:
                    hook.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.stop()


# --- the --to syntax -------------------------------------------------------------


def test_parse_target_forms() -> None:
    assert parse_target("terminal").spec == "terminal"
    t = parse_target("ics:out.ics,mode=todo,alarm=10")
    assert (t.name, t.arg, dict(t.options)) == ("ics", "out.ics", {"mode": "todo", "alarm": "10"})
    w = parse_target("webhook:http://127.0.0.1:8080/x?a=b,style=slack")
    assert (w.arg, dict(w.options)) == ("http://127.0.0.1:8080/x?a=b", {"style": "slack"})
    assert dict(parse_target("terminal,style=list").options) == {"style": "list"}
    with pytest.raises(ChannelOptionError, match="given twice"):
        parse_target("ics:a.ics,mode=todo,mode=event")
    with pytest.raises(ChannelOptionError, match="not a channel name"):
        parse_target("ICS!:x")


def test_bad_channel_or_option_is_a_usage_error(engine: Engine, advice: Advice, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ChannelOptionError, match="did you mean 'ics'"):
        engine.deliver(advice, ["icss:x.ics"])
    with pytest.raises(ChannelOptionError, match=r"no option 'colour'.*color"):
        engine.deliver(advice, ["terminal,colour=never"])
    with pytest.raises(ChannelOptionError, match="needs FILE"):
        engine.deliver(advice, ["ics"])
    with pytest.raises(ChannelOptionError, match="not an http"):
        engine.deliver(advice, ["webhook:ftp://x"])
    with pytest.raises(ChannelOptionError, match="needs the interview facts"):
        engine.deliver(advice, ["drafts"])
    with pytest.raises(ChannelOptionError, match="retries='many' must be a whole number"):
        engine.deliver(advice, ["webhook:http://127.0.0.1:1/,retries=many"])
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_BACKOFF", "soon")
    with pytest.raises(ChannelOptionError, match="FOLLOWUP_WEBHOOK_BACKOFF='soon'"):
        engine.deliver(advice, ["webhook:http://127.0.0.1:1/"])
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--to", "webhok:http://x/"])
    assert result.exit_code == 2
    assert "did you mean 'webhook'" in result.output
    assert "Traceback" not in result.output


# --- terminal, json, markdown ---------------------------------------------------


def test_terminal_is_a_plain_list_when_piped_and_a_table_on_request(engine: Engine, advice: Advice) -> None:
    out = io.StringIO()
    [r] = engine.deliver(advice, ["terminal"], stdout=out)
    text = out.getvalue()
    assert r.status == "delivered"
    assert "\x1b[" not in text  # no colour codes in a pipe
    assert " 2. Send a thank-you to Dana Lee by email" in text
    assert "┃" not in text
    out = io.StringIO()
    engine.deliver(advice, ["terminal,style=table,width=120"], stdout=out)
    assert "┃" in out.getvalue() and "Dana Lee" in out.getvalue()
    out = io.StringIO()
    engine.deliver(advice, ["terminal,style=table,color=always"], stdout=out)
    assert "\x1b[" in out.getvalue()


def test_json_channel_round_trips_and_matches_the_published_schema(engine: Engine, advice: Advice, tmp_path: Path) -> None:
    target = tmp_path / "advice.json"
    [r] = engine.deliver(advice, [f"json:{target}"])
    assert r.detail == str(target)
    again = Advice.model_validate_json(target.read_text())
    assert again.actions[0].title == advice.actions[0].title
    assert json.loads(target.read_text())["schema_version"] == 1
    published = json.loads((ROOT / "docs" / "advice.schema.json").read_text())
    assert published == Advice.model_json_schema(), "docs/advice.schema.json is stale: regenerate it (see docs/plugins.md)"


def test_format_is_an_alias_of_to(advice: Advice) -> None:
    runner = CliRunner()
    by_format = runner.invoke(cli, ["advise", str(JUST_AFTER), "-p", "proactive", "--at", AT, "--format", "json"])
    by_to = runner.invoke(cli, ["advise", str(JUST_AFTER), "-p", "proactive", "--at", AT, "--to", "json"])
    assert by_format.exit_code == by_to.exit_code == 0
    assert json.loads(by_format.stdout) == json.loads(by_to.stdout)
    md = runner.invoke(cli, ["advise", str(JUST_AFTER), "-p", "proactive", "--at", AT, "--format", "markdown"])
    assert md.stdout.startswith("# Next steps: Senior Backend Engineer at Northwind Analytics")


# --- ics --------------------------------------------------------------------------


def _calendar(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_ics_one_event_and_alarm_per_dated_action_with_stable_uids(engine: Engine, advice: Advice, tmp_path: Path) -> None:
    ics = tmp_path / "out.ics"
    engine.deliver(advice, [f"ics:{ics},alarm=45"])
    events = _calendar(ics).walk("VEVENT")
    dated = [a for a in advice.actions if a.due is not None]
    assert len(events) == len(dated) and len(dated) < len(advice.actions)  # keep_searching has no date
    for ev in events:
        alarms = ev.walk("VALARM")
        assert len(alarms) == 1
        assert alarms[0]["TRIGGER"].dt.total_seconds() == -45 * 60
    assert {str(e["UID"]) for e in events} == {action_uid(advice, a) for a in dated}
    assert all(int(e["SEQUENCE"]) == 0 for e in events)
    first = ics.read_bytes()
    engine.deliver(advice, [f"ics:{ics},alarm=45"])
    assert ics.read_bytes() == first  # re-export of the same advice changes nothing


def test_ics_reexport_updates_and_cancels_instead_of_duplicating(engine: Engine, tmp_path: Path) -> None:
    ics = tmp_path / "out.ics"
    facts = JUST_AFTER.read_text()
    before = engine.advise(JUST_AFTER, "proactive", AT)
    engine.deliver(before, [f"ics:{ics}"])
    # Dana has been thanked: her thank-you reminder must be cancelled, not left behind or duplicated.
    thanked = facts.replace("    role: hiring_manager\n", "    role: hiring_manager\n    thank_you: {at: 2026-11-17T17:00:00+00:00, channel: email}\n")
    f2 = tmp_path / "thanked.yaml"
    f2.write_text(thanked)
    after = engine.advise(f2, "proactive", "2026-11-17T17:30")
    engine.deliver(after, [f"ics:{ics}"])
    events = _calendar(ics).walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    dana = action_uid(before, next(a for a in before.actions if a.kind == "thank_you" and a.target.name == "Dana Lee"))
    [gone] = [e for e in events if str(e["UID"]) == dana]
    assert str(gone["STATUS"]) == "CANCELLED" and int(gone["SEQUENCE"]) == 1


def test_ics_todo_mode_and_refusing_a_foreign_calendar(engine: Engine, advice: Advice, tmp_path: Path) -> None:
    ics = tmp_path / "todo.ics"
    engine.deliver(advice, [f"ics:{ics},mode=todo"])
    todos = _calendar(ics).walk("VTODO")
    assert todos and all(len(t.walk("VALARM")) == 1 for t in todos)
    assert not _calendar(ics).walk("VEVENT")
    foreign = tmp_path / "mine.ics"
    foreign.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nEND:VCALENDAR\r\n")
    [r] = engine.deliver(advice, [f"ics:{foreign}"])
    assert r.status == "failed" and "did not write" in r.detail
    assert "someone" in foreign.read_text()  # untouched


# --- webhook ----------------------------------------------------------------------


def test_webhook_posts_advice_slack_and_teams_payloads(engine: Engine, advice: Advice, hook: Hook) -> None:
    results = engine.deliver(advice, [f"webhook:{hook.url}", f"webhook:{hook.url}?s,style=slack",
                                      f"webhook:{hook.url}?t,style=teams"])
    assert [r.status for r in results] == ["delivered"] * 3
    plain, slack, teams = hook.bodies
    assert Advice.model_validate(plain).actions[0].title == advice.actions[0].title
    assert "Send a thank-you to Dana Lee" in slack["text"] and slack["blocks"][0]["type"] == "header"
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert any("Dana Lee" in b["text"] for b in card["content"]["body"])


def test_webhook_retries_server_errors_with_backoff_but_not_client_errors(engine: Engine, advice: Advice, hook: Hook) -> None:
    hook.statuses = [500, 503]
    [r] = engine.deliver(advice, [f"webhook:{hook.url},retries=2,backoff=0.01"])
    assert r.status == "delivered" and len(hook.bodies) == 1
    hook.statuses = [400]
    [r] = engine.deliver(advice, [f"webhook:{hook.url}?x,retries=2,backoff=0.01"])
    assert r.status == "failed" and "HTTP 400" in r.detail and hook.statuses == []


def test_webhook_timeout_is_reported(engine: Engine, advice: Advice, hook: Hook) -> None:
    hook.delay = 0.5
    [r] = engine.deliver(advice, [f"webhook:{hook.url},timeout=0.1,retries=0"])
    assert r.status == "failed" and "no answer within 0.1s" in r.detail


# --- the done-when check ----------------------------------------------------------


def test_terminal_ics_and_webhook_at_once_via_cli_runner(hook: Hook, tmp_path: Path) -> None:
    ics = tmp_path / "out.ics"
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "-p", "proactive", "--at", AT, "--to", "terminal",
                                      "--to", f"ics:{ics}", "--to", f"webhook:http://127.0.0.1:{hook.port}/"])
    assert result.exit_code == 0, result.output
    assert "Send a thank-you to Dana Lee" in result.stdout
    assert f"✓ ics:{ics}" in result.stderr
    assert len(hook.bodies) == 1
    cal = _calendar(ics)
    dated = [a for a in hook.bodies[0]["actions"] if a["due"] is not None]
    assert len(cal.walk("VEVENT")) == len(dated) == len(cal.walk("VALARM"))


def test_terminal_ics_and_webhook_at_once_as_a_subprocess(hook: Hook, tmp_path: Path, state_home: Path) -> None:
    ics = tmp_path / "out.ics"
    env = {**os.environ, "FOLLOWUP_HOME": str(state_home)}
    proc = subprocess.run([str(FOLLOWUP), "advise", str(JUST_AFTER), "--pack", "proactive", "--at", AT,
                           "--to", "terminal", "--to", f"ics:{ics}", "--to", f"webhook:http://127.0.0.1:{hook.port}/"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "2. Send a thank-you to Dana Lee by email" in proc.stdout  # piped: the plain list
    assert len(hook.bodies) == 1
    events = _calendar(ics).walk("VEVENT")
    assert events and all(len(e.walk("VALARM")) == 1 for e in events)
