"""The built-in packs and the example fact files, through the real interfaces.

* the three packs load, validate and compile, and together cite every
  advice item from an article it really comes from;
* their rule ids are the published ones (pack tests and extending packs
  refer to them);
* rationales are the project's words, not the articles';
* every example loads and gets advice from every pack at its suggested time;
* `followup advise examples/just-after.yaml --pack proactive` ranks one
  thank-you per interviewer first, due that evening, with sources, via the
  Python API, click's CliRunner and a subprocess;
* docs/facts.md lists exactly the facts of the catalogue.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import followup
from followup import Engine
from followup.catalogue import FACTS
from followup.cli import cli
from followup.compiler import compile_pack
from followup.packs import builtin_pack_paths, load_pack_file
from followup.sources import library

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ARTICLES = Path("/work/shared/sources")
PACKS = ("conservative", "proactive", "tech-industry")
ADVICE_ITEMS = {"D1", "D2", "D3", *(f"T{i}" for i in range(1, 9)), "N1", *(f"F{i}" for i in range(1, 8)),
                *(f"O{i}" for i in range(1, 6))}
AT_LINE = re.compile(r"^# at: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)$", re.M)
# JSON has no comments: its suggested time lives here.
JSON_AT = {"formal-company.json": "2026-11-19T13:00:00+00:00"}

RULE_IDS = {
    "conservative": [
        "write-notes", "collect-contacts", "ask-decision-date", "thank-interviewers-card",
        "thank-interviewers-email", "thank-interviewers-late", "thank-arrangers", "no-linkedin-before-decision",
        "linkedin-after-decision", "no-call-before-email", "email-status-after-a-week",
        "call-if-invited-after-a-week", "email-status-late", "email-when-date-passes", "call-if-invited-after-date",
        "email-status-late-after-date", "one-call-after-email",
        "second-follow-up-after-date", "second-follow-up",
        "no-second-call", "email-status-after-update",
        "second-follow-up-after-update", "move-on", "second-follow-up-late", "move-on-after-silence", "move-on-unasked",
        "move-on-unasked-after-date", "move-on-unasked-after-update", "keep-searching", "answer-offer", "answer-second-round",
        "prepare-second-round", "thank-after-rejection", "thank-interviewers-after-rejection",
        "no-call-after-rejection",
    ],
    "proactive": [
        "write-notes", "collect-contacts", "ask-decision-date", "thank-interviewers", "thank-interviewers-late",
        "thank-arrangers", "linkedin-same-day", "linkedin-later", "linkedin-after-rejection", "formal-letter",
        "formal-letter-email", "no-call-before-day-three", "call-day-three", "email-status-late",
        "call-when-date-passes", "email-status-late-after-date", "second-call-after-date",
        "second-follow-up-after-date", "no-second-call-after-email-and-call", "second-follow-up", "no-third-call",
        "call-after-update", "email-status-after-update", "second-follow-up-after-update", "move-on", "second-follow-up-late", "move-on-after-silence", "move-on-unasked",
        "move-on-unasked-after-date", "move-on-unasked-after-update", "keep-searching", "answer-offer", "answer-second-round", "prepare-second-round", "thank-after-rejection",
        "thank-interviewers-after-rejection", "no-call-after-rejection",
    ],
    "tech-industry": [
        "write-notes", "collect-contacts", "ask-decision-date", "thank-interviewers-email",
        "thank-interviewers-late", "thank-arrangers", "no-handwritten-cards", "linkedin-same-day", "linkedin-later",
        "linkedin-after-rejection", "no-calls-unless-invited", "email-status-after-a-week", "email-status-late",
        "email-when-date-passes", "email-status-late-after-date", "call-if-invited-after-a-week",
        "call-if-invited-after-date", "no-second-call",
        "second-follow-up", "second-follow-up-after-date", "email-status-after-update",
        "second-follow-up-after-update", "move-on", "second-follow-up-late", "move-on-after-silence", "move-on-unasked",
        "move-on-unasked-after-date", "move-on-unasked-after-update", "keep-searching", "answer-offer", "answer-second-round",
        "prepare-second-round", "thank-after-rejection", "thank-interviewers-after-rejection",
        "no-call-after-rejection",
    ],
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_entrypoints=False)


@pytest.fixture(scope="module")
def pack_files() -> dict:
    paths = builtin_pack_paths()
    return {name: load_pack_file(paths[name]) for name in PACKS}


def example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def suggested_at(path: Path) -> datetime:
    if path.suffix == ".json":
        return datetime.fromisoformat(JSON_AT[path.name])
    found = AT_LINE.findall(path.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{path.name}: needs exactly one `# at: YYYY-MM-DDTHH:MM:SS+00:00` comment line"
    return datetime.fromisoformat(found[0])


# --- packs --------------------------------------------------------------------


def test_the_three_packs_are_built_in() -> None:
    assert set(PACKS) <= set(builtin_pack_paths())


@pytest.mark.parametrize("name", PACKS)
def test_pack_loads_and_compiles(pack_files: dict, name: str) -> None:
    pf = pack_files[name]
    assert pf.pack.name == name
    compiled = compile_pack(pf)
    assert len(compiled.rules) == len(pf.pack.rules)
    first = pf.path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schemas/pack.schema.json"


@pytest.mark.parametrize("name", PACKS)
def test_rule_ids_are_the_published_ones(pack_files: dict, name: str) -> None:
    assert [r.id for r in pack_files[name].pack.rules] == RULE_IDS[name]


def test_every_advice_item_is_cited(pack_files: dict) -> None:
    assert set(library().items) == ADVICE_ITEMS
    cited = {item for pf in pack_files.values() for rule in pf.pack.rules for c in rule.sources for item in c.items}
    assert cited == ADVICE_ITEMS, f"never cited: {sorted(ADVICE_ITEMS - cited)}"


def test_every_citation_names_an_article_the_item_comes_from(pack_files: dict) -> None:
    lib = library()
    checked = 0
    for name, pf in pack_files.items():
        for rule in pf.pack.rules:
            for cite in rule.sources:
                assert cite.article in lib.articles, (name, rule.id, cite.article)
                assert cite.items, (name, rule.id, "a citation names the items it rests on")
                for item in cite.items:
                    assert cite.article in lib.items[item].articles, (name, rule.id, cite.article, item)
                    checked += 1
    assert checked > 60


def test_unsourced_rules_are_few_and_explained(pack_files: dict) -> None:
    unsourced = [(n, r.id) for n, pf in pack_files.items() for r in pf.pack.rules if not r.sources]
    # Moving on after silence when fewer than two follow-ups were made: O3 speaks of two, so these rest on
    # the packs' own reasoning (tests/test_no_dead_ends.py shows why they exist).
    silence = ["move-on-after-silence", "move-on-unasked", "move-on-unasked-after-date", "move-on-unasked-after-update"]
    assert unsourced == [("conservative", "no-linkedin-before-decision"),
                         *((n, rule) for n in PACKS for rule in silence)]
    for n, rule_id in unsourced:
        rule = next(r for r in pack_files[n].pack.rules if r.id == rule_id)
        assert len(rule.rationale.split()) >= 12


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


@pytest.mark.skipif(not ARTICLES.is_dir(), reason="the source articles are not on this machine")
def test_rationales_do_not_copy_article_sentences(pack_files: dict) -> None:
    runs = set()
    for article in ARTICLES.glob("*.txt"):
        w = _words(article.read_text(encoding="utf-8"))
        runs |= {tuple(w[i:i + 8]) for i in range(len(w) - 7)}
    assert runs
    for name, pf in pack_files.items():
        for rule in pf.pack.rules:
            for text in (rule.rationale, rule.title or "", pf.pack.summary):
                w = _words(text)
                copied = [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if tuple(w[i:i + 8]) in runs]
                assert not copied, (name, rule.id, copied)


# --- examples -----------------------------------------------------------------


def test_examples_exist() -> None:
    names = {p.name for p in example_files()}
    assert {"just-after.yaml", "waiting-no-news.yaml", "decision-passed.yaml", "offer.yaml", "rejection.yaml",
            "second-round.yaml", "formal-company.json"} <= names


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_gives_advice_under_every_pack(engine: Engine, path: Path) -> None:
    at = suggested_at(path)
    facts = followup.load_facts(path)
    for pack in PACKS:
        advice = engine.advise(facts, pack, at)
        assert advice.actions, (path.name, pack)
        assert [a.rank for a in advice.actions] == list(range(1, len(advice.actions) + 1))
        assert any(not a.avoid for a in advice.actions), (path.name, pack)
        assert all(a.rationale and a.pack == pack for a in advice.actions)


def test_waiting_example_separates_the_styles(engine: Engine) -> None:
    path = EXAMPLES / "waiting-no-news.yaml"
    facts, at = followup.load_facts(path), suggested_at(path)
    proactive = engine.advise(facts, "proactive", at)
    top = proactive.actions[0]
    assert (top.kind, top.channel, top.avoid) == ("status_check", "phone", False)
    for pack in ("conservative", "tech-industry"):
        adv = engine.advise(facts, pack, at)
        assert not [a for a in adv.actions if a.kind == "status_check" and a.channel == "phone" and not a.avoid]
        assert [a for a in adv.actions if a.kind == "status_check" and a.channel == "phone" and a.avoid]
        email = [a for a in adv.actions if a.kind == "status_check" and a.channel == "email" and not a.avoid]
        assert len(email) == 1 and email[0].due > at


@pytest.mark.parametrize("name, kind", [("offer.yaml", "reply_offer"), ("rejection.yaml", "thank_after_rejection"),
                                        ("second-round.yaml", "reply_second_round"),
                                        ("decision-passed.yaml", "status_check"), ("no-reply-twice.yaml", "move_on")])
def test_example_top_action(engine: Engine, name: str, kind: str) -> None:
    path = EXAMPLES / name
    facts, at = followup.load_facts(path), suggested_at(path)
    for pack in PACKS:
        first = engine.advise(facts, pack, at).actions[0]
        assert (first.kind, first.avoid) == (kind, False), (name, pack, first.rule)


def test_formal_company_json_gets_cards_only_from_conservative(engine: Engine) -> None:
    path = EXAMPLES / "formal-company.json"
    facts, at = followup.load_facts(path), suggested_at(path)
    channels = {pack: {a.channel for a in engine.advise(facts, pack, at).actions
                       if a.kind == "thank_you" and not a.avoid and a.target.kind == "each_interviewer"}
                for pack in PACKS}
    assert channels == {"conservative": {"handwritten"}, "proactive": {"email"}, "tech-industry": {"email"}}


# --- just-after under proactive, through every interface ---------------------

JUST_AFTER = EXAMPLES / "just-after.yaml"
JUST_AFTER_AT = "2026-11-17T16:00:00+00:00"
JUST_AFTER_INTERVIEWERS = {"Dana Lee", "Priya Natarajan", "Tomás Ó Briain"}
LONDON = ZoneInfo("Europe/London")


def _check_thank_yous_first(actions: list[dict]) -> None:
    # D3: the notes shape the thank-yous, so they come first; D1: Tomás's address is unknown,
    # so getting it comes just before his thank-you.
    assert actions[0]["kind"] == "write_notes"
    thanks = [a for a in actions if a["kind"] == "thank_you" and a["target"]["kind"] == "each_interviewer"]
    n = len(JUST_AFTER_INTERVIEWERS)
    assert len(thanks) == n and thanks[0]["rank"] == 2
    kinds = [(a["kind"], a["target"]["name"]) for a in actions[: n + 2]]
    assert kinds == [("write_notes", None), ("thank_you", "Dana Lee"), ("thank_you", "Priya Natarajan"),
                     ("collect_contacts", "Tomás Ó Briain"), ("thank_you", "Tomás Ó Briain")]
    first = thanks
    assert {a["target"]["name"] for a in first} == JUST_AFTER_INTERVIEWERS
    assert {datetime.fromisoformat(a["due"]) for a in first} == {datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)}
    for a in first:
        assert a["avoid"] is False and a["channel"] == "email" and a["priority"] == "critical"
        assert {s["article"] for s in a["sources"]} >= {"tiptopjob"}  # the "same evening" article
        assert any("T2" in s["items"] for s in a["sources"])


def test_just_after_proactive_python_api(engine: Engine) -> None:
    advice = engine.advise(JUST_AFTER, "proactive", JUST_AFTER_AT)
    assert advice.at == datetime(2026, 11, 17, 16, 0, tzinfo=LONDON)
    _check_thank_yous_first(json.loads(advice.to_json())["actions"])
    # the module-level function gives the same ranking
    again = followup.advise(str(JUST_AFTER), pack="proactive", at=JUST_AFTER_AT)
    assert [(a.rule, a.target.name) for a in again.actions] == [(a.rule, a.target.name) for a in advice.actions]


def test_just_after_proactive_cli_runner() -> None:
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactive", "--at", JUST_AFTER_AT,
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    _check_thank_yous_first(json.loads(result.output)["actions"])


def test_just_after_proactive_text_output_names_the_thank_yous() -> None:
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactive", "--at", JUST_AFTER_AT])
    assert result.exit_code == 0, result.output
    for name in ("Dana Lee", "Priya Natarajan"):
        assert f"Send a thank-you to {name}" in " ".join(result.output.split())


def test_just_after_proactive_subprocess() -> None:
    script = Path(sys.executable).parent / "followup"  # the installed console script
    done = subprocess.run(
        [str(script), "advise", str(JUST_AFTER), "--pack", "proactive", "--at", JUST_AFTER_AT, "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    _check_thank_yous_first(json.loads(done.stdout)["actions"])


# --- docs ---------------------------------------------------------------------


def test_facts_doc_lists_exactly_the_catalogue() -> None:
    text = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    section = text.split("## Derived facts", 1)[1]
    rows = re.findall(r"^\| `([a-z_.]+)` \| (\w+)(?: or absent)? \| ([^|]*) \|", section, re.M)
    documented = {name: (typ, tuple(re.findall(r"`([a-z_]+)`", values))) for name, typ, values in rows}
    expected = {f.name: (f.type, f.values) for f in FACTS.values()}
    assert documented == expected


def test_packs_doc_lists_every_action_kind() -> None:
    from followup.catalogue import ACTIONS, TARGETS

    text = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    for kind, spec in ACTIONS.items():
        row = re.search(rf"^\| `{kind}` \| ([^|]*) \|", text, re.M)
        assert row, kind
        assert set(re.findall(r"`([a-z]+)`", row.group(1))) == set(spec.channels), kind
    for target in TARGETS:
        assert re.search(rf"^\| `{target}` \|", text, re.M), target
