"""The drafts channel: one personalised draft per person, from sandboxed jinja2 templates a pack can override."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup import Engine, load_facts
from followup.cli import cli
from followup.drafts import DRAFT_KINDS, render_drafts
from followup.errors import ChannelError

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


def test_one_different_draft_per_person_spelled_as_in_the_facts(engine: Engine) -> None:
    facts = load_facts(JUST_AFTER)
    advice = engine.advise(facts, "proactive", AT)
    drafts = render_drafts(advice, facts, pm=engine.pm)
    thanks = [d for d in drafts if d.action.kind == "thank_you"]
    assert [d.person.name for d in thanks] == ["Dana Lee", "Priya Natarajan", "Tomás Ó Briain", "Alex Chen"]
    for d in thanks:
        text = d.text()
        assert d.person.name.split()[0] in text  # greeting uses their name as written
        if d.person.title:
            assert d.person.title in text  # and their title, spelt as in the facts
        assert "Senior Backend Engineer" in text and "Sam Rivera" in text
    assert "Tomás" in thanks[2].body and "Product Lead" in thanks[2].body
    # every draft differs from the others: subject, opening sentence, and body
    assert len({d.subject for d in thanks}) >= 3  # subjects vary too, though two may coincide
    openings = [d.body.split("\n\n")[1].split(".")[0] for d in thanks]
    assert len(set(openings)) == len(openings)
    # thanks, interest in the role, why they fit, anything to add
    for d in thanks[:3]:
        assert re.search(r"thank", d.body, re.I)
        assert "role" in d.body
        assert "fit" in d.body or "help" in d.body
        assert "[" in d.body  # a bracketed prompt for what only the candidate knows


def test_every_draftable_kind_has_a_template_that_renders(engine: Engine) -> None:
    facts = load_facts(JUST_AFTER)
    advice = engine.advise(facts, "proactive", AT)
    base = next(a for a in advice.actions if a.kind == "thank_you")
    actions = [base.model_copy(update={"kind": k, "rank": i}) for i, k in enumerate(DRAFT_KINDS, start=1)]
    drafts = render_drafts(advice.model_copy(update={"actions": actions}), facts, pm=engine.pm)
    assert [d.action.kind for d in drafts] == list(DRAFT_KINDS)
    for d in drafts:
        assert d.subject and "Dana" in d.body and "Sam Rivera" in d.body
        assert "{{" not in d.body and "{%" not in d.body


def test_drafts_to_a_folder_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "-p", "proactive", "--at", AT, "--to", f"drafts:{out}"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["thank_you-alex-chen.txt", "thank_you-dana-lee.txt", "thank_you-priya-natarajan.txt",
                     "thank_you-tomas-o-briain.txt"]
    assert (out / names[3]).read_text().startswith("To: Tomás Ó Briain\nSubject: ")
    assert "(4 drafts: 4 new)" in result.stderr


def _pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mypacks"
    folder.mkdir()
    src = Engine().pack_paths()["proactive"]
    shutil.copy(src, folder / "proactive.yaml")
    return folder / "proactive.yaml"


def test_a_pack_overrides_templates_and_the_channel_option_overrides_both(engine: Engine, tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    (pack.parent / "templates").mkdir()
    (pack.parent / "templates" / "thank_you.txt.j2").write_text(
        "Subject: From the pack\n\nDear {{ person.name }} ({{ person.title or person.role }}), thanks. {{ candidate.name }}\n")
    facts = load_facts(JUST_AFTER)
    advice = engine.advise(facts, pack, AT)
    drafts = render_drafts(advice, facts, pm=engine.pm)
    assert drafts[0].subject == "From the pack" and drafts[0].body == "Dear Dana Lee (Engineering Manager), thanks. Sam Rivera\n"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thank_you.txt.j2").write_text("Subject: Mine\n\nHello {{ first_name }}\n")
    [r] = engine.deliver(advice, [f"drafts:{tmp_path / 'out'},templates={mine}"], facts=facts)
    assert r.status == "delivered"
    assert (tmp_path / "out" / "thank_you-priya-natarajan.txt").read_text().endswith("Subject: Mine\n\nHello Priya\n")


def test_templates_are_sandboxed_and_mistakes_are_reported(engine: Engine, tmp_path: Path) -> None:
    facts = load_facts(JUST_AFTER)
    advice = engine.advise(facts, "proactive", AT)
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "thank_you.txt.j2").write_text("Subject: x\n\n{{ ().__class__.__base__.__subclasses__() }}\n")
    with pytest.raises(ChannelError, match=r"thank_you.txt.j2:3:1: the template reaches for something it may not"):
        render_drafts(advice, facts, templates=evil)
    (evil / "thank_you.txt.j2").write_text("Subject: x\n\n{{ persn.name }}\n")
    with pytest.raises(ChannelError, match="'persn' is undefined"):
        render_drafts(advice, facts, templates=evil)
    (evil / "thank_you.txt.j2").write_text("no subject line\n\nbody\n")
    with pytest.raises(ChannelError, match="Subject:"):
        render_drafts(advice, facts, templates=evil)
    [r] = engine.deliver(advice, [f"drafts:{tmp_path / 'o'},templates={evil}"], facts=facts)
    assert r.status == "failed" and "Subject:" in r.detail and r.outbox_id
