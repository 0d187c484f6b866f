"""`followup init`: a valid, commented facts file from answers or flags; bundled examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli

FLAGS = ["--no-input", "--name", "Sam Rivera", "--company", "Northwind Ltd", "--role", "Backend Engineer",
         "--industry", "technology", "--timezone", "Europe/London", "--start", "2026-11-17 14:00",
         "--end", "2026-11-17 15:00", "--interviewer", "Dana Lee, Engineering Manager, dana@nw.example, hiring_manager",
         "--interviewer", "Tom O'Brien", "--arranger", "Alex Chen, alex@nw.example"]


def test_no_input_writes_a_valid_commented_file_without_an_at_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["init", *FLAGS, "--pack", "proactive"])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "northwind-ltd.yaml").read_text(encoding="utf-8")
    assert "# at:" not in text and "# pack: proactive" in text and "# onsite, video or phone" in text
    f = followup.load_facts(tmp_path / "northwind-ltd.yaml")
    assert f.interview.end.isoformat() == "2026-11-17T15:00:00+00:00"  # London is +00:00 in November
    assert [(p.name, p.role, p.email) for p in f.interviewers] == [
        ("Dana Lee", "hiring_manager", "dana@nw.example"), ("Tom O'Brien", "interviewer", None)]
    assert f.arrangers[0].role == "recruiter" and f.arrangers[0].contact_known
    advice = CliRunner().invoke(cli, ["advise", "northwind-ltd.yaml", "--at", "2026-11-17T16:00", "--format", "json"])
    assert json.loads(advice.output)["actions"], advice.output


def test_asks_each_question_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    answers = "\n".join([
        "Ana Ruiz", "", "Acme Bank", "Analyst", "finance", "formal", "America/New_York", "",
        "2026-06-16 10:00", "", "video", "mixed",
        "Lee Park, Head of Risk, lee@acme.example, hiring_manager", "Jo Kim, Analyst", "",  # interviewers
        "", "conservative", ""])
    out = CliRunner().invoke(cli, ["init", "-o", "acme.yaml"], input=answers)
    assert out.exit_code == 0, out.output
    f = followup.load_facts(tmp_path / "acme.yaml")
    assert f.interview.start.isoformat() == "2026-06-16T10:00:00-04:00"
    assert f.interview.end.isoformat() == "2026-06-16T11:00:00-04:00"  # default: an hour later
    assert f.position.culture == "formal" and f.interview.went == "mixed" and len(f.interviewers) == 2
    assert f.interviewers[1].title == "Analyst" and f.arrangers == []


def test_no_input_names_the_missing_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["init", "--no-input", "--name", "Sam"])
    assert out.exit_code == 2
    assert "--company" in out.output and "--role" in out.output and "--interviewer" in out.output
    assert list(tmp_path.iterdir()) == []


def test_a_bad_time_or_existing_file_is_refused_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = CliRunner().invoke(cli, ["init", *[a if a != "2026-11-17 15:00" else "half past" for a in FLAGS]])
    assert bad.exit_code == 2 and "--end" in bad.output and "yesterday 18:40" in bad.output
    assert CliRunner().invoke(cli, ["init", *FLAGS]).exit_code == 0
    again = CliRunner().invoke(cli, ["init", *FLAGS])
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output
    ended_first = CliRunner().invoke(cli, ["init", *FLAGS, "-o", "x.yaml", "--end", "2026-11-17 13:00"])
    assert ended_first.exit_code == 2 and "ends before it starts" in ended_first.output
    assert not (tmp_path / "x.yaml").exists()


def test_example_is_copied_and_an_unknown_one_gets_a_suggestion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["init", "--example", "waiting-no-news"])
    assert out.exit_code == 0 and (tmp_path / "waiting-no-news.yaml").is_file()
    wrong = CliRunner().invoke(cli, ["init", "--example", "just-afer"])
    assert wrong.exit_code == 2 and "did you mean just-after?" in wrong.output
