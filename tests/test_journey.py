"""Three days of a job search, through the CLI as a subprocess: three cases, records, done, snooze, agenda,
a morning email digest to a real SMTP server, and a draft the user edited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mail_support import Mailbox, plain


def run(home: Path, cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLLOWUP_HOME": str(home), "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "followup", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    if ok:
        assert done.returncode == 0, f"followup {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


def agenda(home: Path, cwd: Path, at: str) -> dict:
    return json.loads(run(home, cwd, "agenda", "cases", "--at", at, "--timezone", "Europe/London",
                          "--format", "json").stdout)


def morning_digests(home: Path, cwd: Path, at: str, box: Mailbox, port: int) -> dict:
    """The agenda as JSON, and the email digests it sends: each lists all of its case's open actions, overdue first."""
    seen = len(box.messages)
    run(home, cwd, "agenda", "cases", "--at", at, "--timezone", "Europe/London",
        "--to", f"email:sam@example.org,host=127.0.0.1,port={port}")
    day = agenda(home, cwd, at)
    sent = box.messages[seen:]
    assert sent, f"no digest on {at}"
    for msg in sent:
        body = plain(msg)
        case = next(c for c in day["cases"] if Path(c["file"]).stem.capitalize() in str(msg["Subject"]))
        entries = [e for e in day["entries"] if e["file"] == case["file"]]
        assert entries, case
        for e in entries:  # nothing open is left out, whatever was sent before
            assert e["action"]["title"] in body, (msg["Subject"], e["action"]["title"])
        overdue = [body.index(e["action"]["title"]) for e in entries if e["bucket"] == "overdue"]
        rest = [body.index(e["action"]["title"]) for e in entries if e["bucket"] != "overdue"]
        if overdue and rest:
            assert max(overdue) < min(rest), msg["Subject"]
    return day


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "cases").mkdir()
    return tmp_path


def test_three_days_of_the_loop(folder: Path, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    home = folder / "state"
    people = {
        "northwind": ["--interviewer", "Dana Lee, Engineering Manager, dana@northwind.example, hiring_manager",
                      "--interviewer", "Priya Natarajan, Staff Engineer, priya@northwind.example",
                      "--arranger", "Alex Chen, alex@northwind.example"],
        "acme": ["--interviewer", "Lee Park, Head of Risk, lee@acme.example, hiring_manager"],
        "harbor": ["--interviewer", "Jordan Okafor, Head of Content, jordan@harbor.example, hiring_manager"],
    }
    # Monday 16 November: three interviews, three cases
    for name, times, pack in (("northwind", ("2026-11-16 10:00", "2026-11-16 11:00"), "proactive"),
                              ("acme", ("2026-11-16 13:00", "2026-11-16 14:00"), "conservative"),
                              ("harbor", ("2026-11-16 15:00", "2026-11-16 16:00"), "tech-industry")):
        run(home, folder, "init", "--no-input", "--name", "Sam Rivera", "--email", "sam@example.org", "--company",
            name.capitalize(), "--role", "Analyst", "--timezone", "Europe/London", "--country", "GB",
            "--start", times[0], "--end", times[1], "--pack", pack, *people[name], "-o", f"cases/{name}.yaml")
    originals = {p.name: p.read_text() for p in (folder / "cases").iterdir()}
    assert all("# pack:" in text and "# at:" not in text for text in originals.values())

    day1 = morning_digests(home, folder, "2026-11-16 17:00", box, port)
    assert {Path(c["file"]).name: c["pack"] for c in day1["cases"]} == {
        "acme.yaml": "conservative", "harbor.yaml": "tech-industry", "northwind.yaml": "proactive"}
    assert not any(c["error"] for c in day1["cases"])

    shown = run(home, folder, "advise", "cases/northwind.yaml", "--at", "2026-11-16 17:00").stdout
    assert "As of Mon 16 Nov 2026 17:00 Europe/London (as asked)" in shown and "Pack: Proactive" in shown
    run(home, folder, "record", "cases/northwind.yaml", "thanked", "Dana Lee", "--by", "email", "--at", "17:30")
    shown = run(home, folder, "advise", "cases/northwind.yaml", "--at", "2026-11-16 17:45", "--format", "json").stdout
    actions = json.loads(shown)["actions"]
    assert not any(a["kind"] == "thank_you" and a["target"]["name"] == "Dana Lee" for a in actions)
    priya = next(a for a in actions if a["kind"] == "thank_you" and a["target"]["name"] == "Priya Natarajan")
    out = run(home, folder, "done", str(priya["rank"]), "--at", "2026-11-16 18:00").stdout
    assert "recorded thank-you to Priya Natarajan by email, Mon 16 Nov 18:00" in out
    notes = next(a for a in actions if a["kind"] == "write_notes")
    assert run(home, folder, "snooze", str(notes["rank"]), "--until", "2026-11-18 09:00").returncode == 0

    # a draft written, then edited by hand: later runs never overwrite the edit
    run(home, folder, "advise", "cases/harbor.yaml", "--at", "2026-11-16 17:00", "--to", "drafts:drafts")
    draft = next(p for p in sorted((folder / "drafts").rglob("*.txt")) if "Jordan" in p.read_text())
    draft.write_text(draft.read_text() + "\nP.S. Mentioned the migration project we discussed.\n")
    edited = draft.read_text()

    # Tuesday morning: the agenda shows every case; the snoozed note is counted, not lost
    day2 = morning_digests(home, folder, "2026-11-17 08:00", box, port)
    run(home, folder, "advise", "cases/harbor.yaml", "--at", "2026-11-17 08:00", "--to", "drafts:drafts")
    assert draft.read_text() == edited
    northwind = next(c for c in day2["cases"] if c["file"].endswith("northwind.yaml"))
    assert [s["state"] for s in northwind["set_aside"]] == ["snoozed"]
    titles = [e["action"]["title"] for e in day2["entries"] if e["file"].endswith("northwind.yaml")]
    assert not any("notes" in t for t in titles)
    assert any(e["file"].endswith("acme.yaml") for e in day2["entries"])
    text = run(home, folder, "agenda", "cases", "--at", "2026-11-17 08:00", "--timezone", "Europe/London").stdout
    assert "set aside: 1 snoozed (1 overdue)" in " ".join(text.split()) and "\x1b[" not in text

    # a response arrives for Acme
    run(home, folder, "record", "cases/acme.yaml", "response", "offer", "--from", "Lee Park", "--at", "2026-11-17 11:00",
        "--answer-by", "2026-11-20")
    refused = run(home, folder, "record", "cases/acme.yaml", "replied", "--at", "2026-11-17 10:00", ok=False)
    assert refused.returncode == 2 and "before the response it answers" in refused.stderr

    # Wednesday morning: the offer reply leads Acme; the snooze is over, so the notes are back
    day3 = morning_digests(home, folder, "2026-11-18 09:30", box, port)
    acme = [e for e in day3["entries"] if e["file"].endswith("acme.yaml")]
    assert acme and acme[0]["action"]["kind"] == "reply_offer"
    back = [e for e in day3["entries"] if e["file"].endswith("northwind.yaml")]
    assert any(e["action"]["kind"] == "write_notes" for e in back)
    number = next(e["number"] for e in day3["entries"] if e["action"]["kind"] == "reply_offer")
    out = run(home, folder, "done", str(number), "--at", "2026-11-18 09:45").stdout
    assert "recorded reply to the offer by email" in out

    # every line written by init is still there, comments included, in the same order
    for name, before in originals.items():
        after = (folder / "cases" / name).read_text().splitlines()
        it = iter(after)
        assert all(any(line == other for other in it) for line in before.splitlines()), name
