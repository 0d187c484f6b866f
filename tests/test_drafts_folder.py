"""Drafts a person would send (issue 9 item 6) and drafts odd facts cannot break (issue 12 item 6).

Through the real interface: `followup advise FACTS --to drafts:DIR` in-process
and as a subprocess, and the API, walking the evaluation time over days.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from followup import Engine, load_facts, parse_facts
from followup.cli import cli
from followup.draftlint import INTEREST
from followup.drafts import render_drafts
from followup.facts import Facts
from followup.sandbox import TemplateError

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


PANEL = [("Dana Lee", "Engineering Manager", "hiring_manager"), ("Priya Natarajan", "Staff Engineer", "interviewer"),
         ("Tomás Ó Briain", "Product Lead", "interviewer"), ("Ngozi Okafor", "Principal Engineer", "interviewer"),
         ("Wei Zhang", "Data Scientist", "interviewer"), ("Jürgen Müller", "Head of Platform", "interviewer"),
         ("María José García", "Senior Designer", "interviewer"), ("Kofi Mensah", None, "interviewer")]


def _facts(panel: list[tuple[str, str | None, str]] = PANEL, **interview: Any) -> Facts:
    return parse_facts({
        "candidate": {"name": "Sam Rivera", "email": "sam@example.org"},
        "position": {"title": "Senior Backend Engineer", "company": "Northwind Analytics", "industry": "technology",
                     "culture": "casual", "timezone": "Europe/London"},
        "interview": {"start": "2026-11-17T13:00:00+00:00", "end": "2026-11-17T15:00:00+00:00", "format": "onsite",
                      "went": "well", **interview},
        "interviewers": [{"name": n, "role": r, "email": f"p{sorted(panel).index((n, t, r))}@example.com",
                          **({"title": t} if t else {})} for n, t, r in panel],
        "arrangers": [{"name": "Alex Chen", "title": "Technical Recruiter", "role": "recruiter", "email": "a@example.com"}],
    })


def _letter(text: str, people: list[tuple[str, str | None, str]]) -> str:
    """The letter with every name and title blanked: what is left is what differs between letters."""
    for name, title, _ in people:
        for part in [name, *name.split(), title or ""]:
            if part:
                text = text.replace(part, "X")
    return text


def test_a_panel_of_eight_gets_eight_different_letters_each_with_the_right_name_and_title(engine: Engine) -> None:
    facts = _facts()
    drafts = [d for d in render_drafts(engine.advise(facts, "proactive", AT), facts, pm=engine.pm)
              if d.action.kind == "thank_you" and d.person.role != "recruiter"]
    assert sorted(d.person.name for d in drafts) == sorted(n for n, _, _ in PANEL)
    for d in drafts:
        text = d.text()
        assert d.person.name.split()[0] in d.body.splitlines()[0]  # greeted by their name, spelt as given
        assert f"To: {d.person.name} <" in text
        if d.person.title:
            assert d.person.title in d.body
        others = [n for n, _, _ in PANEL if n != d.person.name]
        assert not any(re.search(rf"\b{re.escape(o.split()[0])}\b", d.body) for o in others)
    letters = [_letter(d.body, PANEL) for d in drafts]
    assert len(set(letters)) == 8, "two people got the same letter apart from names"
    for a in letters:  # and not merely one word apart: at least two sentences differ
        for b in letters:
            if a is not b:
                assert len(set(a.split(".")) ^ set(b.split("."))) >= 2


def test_the_same_person_gets_the_same_letter_on_every_run_in_any_order(engine: Engine) -> None:
    facts = _facts()
    first = {d.person.name: d.text() for d in render_drafts(engine.advise(facts, "proactive", AT), facts, pm=engine.pm)}
    again = {d.person.name: d.text() for d in render_drafts(engine.advise(facts, "proactive", AT), facts, pm=engine.pm)}
    shuffled = _facts(list(reversed(PANEL)))
    other_order = {d.person.name: d.text()
                   for d in render_drafts(engine.advise(shuffled, "proactive", AT), shuffled, pm=engine.pm)}
    assert first == again
    assert {k: _letter(v, PANEL) for k, v in first.items()} == {k: _letter(v, PANEL) for k, v in other_order.items()}


def _paragraphs(body: str) -> list[str]:
    parts = [p for p in body.strip().split("\n\n") if p.strip()]
    return parts[1:-1]  # between the greeting and the sign-off


def test_thank_yous_have_the_shape_of_t4(engine: Engine) -> None:
    facts = _facts()
    for d in render_drafts(engine.advise(facts, "proactive", AT), facts, pm=engine.pm):
        paragraphs = _paragraphs(d.body)
        assert len(paragraphs) == 3, d.body
        assert not re.search(r"[a-z][.;,][A-Z]", d.body), d.body  # no sentences glued together
        assert re.search(r"\bthank", paragraphs[0], re.I)
        assert re.search(r"\b(role|position)\b", paragraphs[1]) and re.search(r"\bfits?\b", paragraphs[1])
        assert re.search(r"\bthank", paragraphs[2], re.I) and "in touch" in paragraphs[2]


def test_a_candidate_who_is_not_interested_never_claims_interest(engine: Engine, tmp_path: Path) -> None:
    facts = _facts(still_interested=False)
    drafts = render_drafts(engine.advise(facts, "conservative", AT), facts, pm=engine.pm)
    assert {d.action.kind for d in drafts} == {"thank_you"}
    bodies = {d.body for d in drafts}
    assert len(bodies) == len(drafts)
    for d in drafts:
        assert not INTEREST.search(d.text()), d.text()
        paragraphs = _paragraphs(d.body)
        assert len(paragraphs) == 3
        assert re.search(r"\bwithdraw|step back|not to go further", paragraphs[1])
        assert re.search(r"\bthank", paragraphs[2], re.I) and "in touch" in paragraphs[2]
    # a pack template that ignores `interested` is refused, at delivery and by validate
    pack = tmp_path / "p" / "conservative.yaml"
    (pack.parent / "templates").mkdir(parents=True)
    pack.write_text(engine.pack_paths()["conservative"].read_text())
    (pack.parent / "templates" / "thank_you.txt.j2").write_text(
        "Subject: Thanks\n\nHi {{ first_name }},\n\nI am still very keen on the role.\n\n{{ candidate.name }}\n")
    with pytest.raises(TemplateError, match="no longer interested"):
        render_drafts(engine.advise(facts, pack, AT), facts, pm=engine.pm)
    v = CliRunner().invoke(cli, ["validate", str(pack)])
    assert v.exit_code == 1 and "candidate is no longer interested" in v.output


def test_the_medium_shapes_the_draft(engine: Engine) -> None:
    facts = _facts()
    advice = engine.advise(facts, "proactive", AT)
    base = next(a for a in advice.actions if a.kind == "thank_you" and a.target.name == "Dana Lee")

    def shaped(kind: str, channel: str) -> str:
        action = base.model_copy(update={"kind": kind, "channel": channel})
        [d] = render_drafts(advice.model_copy(update={"actions": [action]}), facts, pm=engine.pm)
        return d.text()

    email = shaped("thank_you", "email")
    assert email.startswith("To: Dana Lee <p0@example.com>\nSubject: ")
    card = shaped("thank_you", "handwritten")
    assert not re.search(r"^(To|Subject|Re):", card, re.M)
    assert card.startswith("Dear Dana,\n\n")
    assert "sam@example.org" not in card  # a card is signed, not given an email address
    letter = shaped("formal_letter", "letter")
    head = letter.split("\n\nDear ")[0]
    assert head.startswith("Sam Rivera\n[your address]\nsam@example.org\n\n17 November 2026\n\n")
    assert "Dana Lee\nEngineering Manager\nNorthwind Analytics\n[their address]" in head and "\nRe: " in head
    assert "To:" not in letter and "Subject:" not in letter
    call = shaped("status_check", "phone")
    assert call.startswith("Call: Dana Lee (Engineering Manager) on [their number]\nWhen: ")
    assert "Subject:" not in call and "this is Sam Rivera" in call


def test_drafts_a_cr_lf_in_a_name_cannot_add_header_lines(engine: Engine) -> None:
    facts = load_facts(JUST_AFTER)
    # Facts validation may refuse control characters; the drafts must be safe even for facts built in code.
    evil = facts.interviewers[0].model_copy(update={"name": "Dana Lee\r\nBcc: attacker@example.com",
                                                     "title": "Manager\nX-Evil: 1"})
    facts = facts.model_copy(update={"interviewers": [evil, *facts.interviewers[1:]],
                                     "candidate": facts.candidate.model_copy(update={"name": "Sam\rRivera\nCc: x@y"})})
    for d in render_drafts(engine.advise(facts, "proactive", AT), facts, pm=engine.pm):
        head = d.text().split("\n\n")[0].splitlines()
        assert [line.split(":")[0] for line in head] == ["To", "Subject"]
        assert not re.search(r"^(Bcc|Cc|X-Evil):", d.text(), re.M)
        assert "\r" not in d.text()


def test_a_long_or_odd_name_gives_a_short_stable_file_name_inside_the_folder(engine: Engine, tmp_path: Path) -> None:
    long_a, long_b = "Anna " + "Bartholomew-" * 25 + "Smith", "Anna " + "Bartholomew-" * 25 + "Jones"
    panel = [(long_a, "Lead", "hiring_manager"), (long_b, None, "interviewer"), ("../../etc/passwd", None, "interviewer"),
             ("李小龍", None, "interviewer"), ("王菲", None, "interviewer")]
    facts = _facts(panel)
    out = tmp_path / "d"
    for _ in range(2):
        results = engine.deliver(engine.advise(facts, "proactive", AT), [f"drafts:{out}"], facts=facts)
        assert results[0].status == "delivered", results[0].detail
    files = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    assert len(files) == 6 and all(p.parent == out for p in files)  # five people and the recruiter, once each
    assert all(len(p.name.encode()) <= 80 for p in files)
    assert len({p.name for p in files}) == 6
    assert not list(tmp_path.glob("etc*")) and not (tmp_path / "passwd").exists()


def _yaml_edit(path: Path, change: Any) -> None:
    yaml = YAML()
    data = yaml.load(path.read_text())
    change(data)
    with path.open("w") as fh:
        yaml.dump(data, fh)


def _advise(facts: Path, out: Path, at: str, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["advise", str(facts), "-p", "proactive", "--at", at, "--to", f"drafts:{out}", *extra])


def test_an_edited_draft_is_never_overwritten_and_done_drafts_go(tmp_path: Path) -> None:
    facts = tmp_path / "case.yaml"
    facts.write_text(JUST_AFTER.read_text())
    out = tmp_path / "drafts"
    r = _advise(facts, out, AT)
    assert r.exit_code == 0 and "(4 drafts: 4 new)" in r.stderr, r.stderr
    dana, priya = out / "thank_you-dana-lee.txt", out / "thank_you-priya-natarajan.txt"
    mine = dana.read_text().replace("[one thing the team needs]", "how the platform team is growing")
    dana.write_text(mine)
    # next morning the text changes ("today" becomes "yesterday"): Dana's edit stays, the new text goes beside it
    r = _advise(facts, out, "2026-11-18T08:30")
    assert r.exit_code == 0, r.stderr
    assert dana.read_text() == mine
    beside = out / "thank_you-dana-lee.new.txt"
    assert "yesterday" in beside.read_text() and "yesterday" in priya.read_text()
    assert "kept your edit of thank_you-dana-lee.txt, new text in thank_you-dana-lee.new.txt" in r.stderr
    assert "3 updated" in r.stderr
    # the same run again changes nothing and writes no second copy
    r = _advise(facts, out, "2026-11-18T08:30")
    assert "3 unchanged" in r.stderr and dana.read_text() == mine
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "thank_you-alex-chen.txt", "thank_you-dana-lee.new.txt", "thank_you-dana-lee.txt",
        "thank_you-priya-natarajan.txt", "thank_you-tomas-o-briain.txt"]

    # the thank-yous to Priya and Dana are recorded as sent: Priya's draft goes, Dana's edited one is marked done
    def thanked(data: Any) -> None:
        for person in data["interviewers"][:2]:
            person["thank_you"] = {"at": "2026-11-18T09:00:00+00:00", "channel": "email"}

    _yaml_edit(facts, thanked)
    r = _advise(facts, out, "2026-11-18T10:00")
    assert r.exit_code == 0, r.stderr
    assert not priya.exists() and not dana.exists() and not beside.exists()
    assert (out / "thank_you-dana-lee.done.txt").read_text() == mine
    assert "removed 1 no longer needed (thank_you-priya-natarajan.txt)" in r.stderr
    assert "thank_you-dana-lee.txt is done: renamed thank_you-dana-lee.done.txt" in r.stderr


def test_file_names_stay_put_as_ranks_change_over_days(tmp_path: Path, engine: Engine) -> None:
    """Walk a case through two weeks: one file per person and kind at every step, never a stale duplicate."""
    facts = load_facts(JUST_AFTER)
    out = tmp_path / "drafts"
    seen_kinds: set[str] = set()
    for day in range(15):
        at = (datetime(2026, 11, 17, 16, 30) + timedelta(days=day, hours=-7 if day else 0)).isoformat()
        advice = engine.advise(facts, "proactive", at)
        [r] = engine.deliver(advice, [f"drafts:{out}"], facts=facts)
        assert r.status == "delivered", r.detail
        expected = {d.filename for d in render_drafts(advice, facts, pm=engine.pm)}
        on_disk = {p.name for p in out.iterdir() if not p.name.startswith(".")}
        assert on_disk == expected, (at, on_disk ^ expected)
        seen_kinds |= {name.split("-")[0] for name in on_disk}
        assert not any(re.match(r"\d\d-", name) for name in on_disk)
    assert {"thank_you", "status_check"} <= seen_kinds


def test_as_a_subprocess_an_edit_survives_a_rerun(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    env = {**os.environ, "FOLLOWUP_HOME": str(tmp_path / "state"), "NO_COLOR": "1"}

    def run(at: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "followup", "advise", str(JUST_AFTER), "-p", "proactive", "--at", at,
                               "--to", f"drafts:{out}"], capture_output=True, text=True, env=env, timeout=120)

    assert run(AT).returncode == 0
    tomas = out / "thank_you-tomas-o-briain.txt"
    tomas.write_text(tomas.read_text() + "P.S. Edited by hand.\n")
    p = run("2026-11-17T19:00")
    assert p.returncode == 0, p.stderr
    assert tomas.read_text().endswith("P.S. Edited by hand.\n")
    assert "kept your edit of thank_you-tomas-o-briain.txt" in p.stderr


def test_validate_warns_when_a_template_gives_two_people_the_same_letter(engine: Engine, tmp_path: Path) -> None:
    pack = tmp_path / "p" / "proactive.yaml"
    (pack.parent / "templates").mkdir(parents=True)
    pack.write_text(engine.pack_paths()["proactive"].read_text())
    (pack.parent / "templates" / "thank_you.txt.j2").write_text(
        "Subject: Thanks\n\nDear {{ person.name }},\n\nThank you for the interview.\n\n{{ candidate.name }}\n")
    r = CliRunner().invoke(cli, ["validate", str(pack)])
    assert r.exit_code == 1
    assert "warning: thank_you.txt.j2 gives" in r.output and "the same letter apart from their names" in r.output
    assert "`variant`" in r.output


def test_two_runs_at_once_on_one_folder_leave_one_consistent_set(engine: Engine, tmp_path: Path) -> None:
    import json
    import threading

    facts = load_facts(JUST_AFTER)
    advice = engine.advise(facts, "proactive", AT)
    out = tmp_path / "drafts"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(5):
                [r] = engine.deliver(advice, [f"drafts:{out}"], facts=facts)
                assert r.status == "delivered", r.detail
        except BaseException as exc:  # reported below, with the thread's own assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    manifest = json.loads((out / ".followup-drafts.json").read_text())["files"]
    assert files == sorted(manifest) and len(files) == 4  # no .new copies: nobody edited anything


def test_deleting_an_edited_draft_takes_its_offered_text_too_and_old_rank_files_are_named(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    (out / "01-thank_you-dana-lee.txt").write_text("from an older followup\n")
    r = _advise(JUST_AFTER, out, AT)
    assert "1 older rank-numbered draft (01-thank_you-dana-lee.txt) left as they are" in r.stderr
    assert (out / "01-thank_you-dana-lee.txt").read_text() == "from an older followup\n"
    dana = out / "thank_you-dana-lee.txt"
    dana.write_text("my own version\n")
    _advise(JUST_AFTER, out, "2026-11-18T08:30")
    assert (out / "thank_you-dana-lee.new.txt").exists()
    dana.unlink()
    r = _advise(JUST_AFTER, out, "2026-11-18T08:30")
    assert "1 new" in r.stderr and "yesterday" in dana.read_text()
    assert not (out / "thank_you-dana-lee.new.txt").exists()
    assert "older rank-numbered" not in r.stderr  # said once, when the folder was first used
