"""Packs that extend others: overrides, disables, added rules, and every mistake located."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from authoring_support import AT, EXAMPLE, engine, pack, rule, write
from followup.errors import PackError
from followup.inheritance import load_resolved

CHILD = """
name: child
title: Child
summary: Proactive, but with handwritten cards.
extends: proactive
disable: [linkedin-same-day]
overrides:
  - id: thank-interviewers
    channel: handwritten
    priority: high
rules:
  - id: call-the-recruiter
    action: status_check
    target: each_arranger
    channel: email
    priority: low
    rationale: The recruiter knows where things stand.
    sources: []
"""


def problems(exc: pytest.ExceptionInfo[PackError]) -> list[str]:
    return [f"{Path(p.file or '').name}:{p.line}:{p.column}: {p.message} | {p.hint}" for p in exc.value.problems]


def test_extends_overrides_disables_and_adds(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD)
    advice = engine().advise(EXAMPLE, child, AT)
    rules = {a.rule for a in advice.actions}
    assert "linkedin-same-day" not in rules
    thanks = [a for a in advice.actions if a.rule == "thank-interviewers"]
    assert thanks and all(a.channel == "handwritten" and a.priority == "high" for a in thanks)
    # an overridden rule stays the base pack's rule, changed in the child's file
    assert {(a.pack, a.layer) for a in thanks} == {("proactive", "child.yaml")}
    added = [a for a in advice.actions if a.rule == "call-the-recruiter"]
    assert added and {(a.pack, a.layer) for a in added} == {("child", "child.yaml")}
    untouched = next(a for a in advice.actions if a.rule == "write-notes")
    assert untouched.pack == "proactive" and untouched.layer == "built-in:proactive.yaml"
    # where each came from, without a path of this machine (JSON reaches webhooks, emails and services)
    assert advice.pack.origin == "child.yaml" and advice.pack.path == str(child)
    assert str(tmp_path) not in advice.to_json() and "site-packages" not in advice.to_json()
    assert advice.pack.name == "child"


def test_override_keeps_the_rest_of_the_rule(tmp_path: Path) -> None:
    resolved = engine().resolve_pack(write(tmp_path, "child.yaml", CHILD))
    by_id = {r.id: r for r in resolved.file.pack.rules}
    assert by_id["thank-interviewers"].channel == "handwritten"
    assert by_id["thank-interviewers"].rationale.startswith("Sent that same evening")
    assert by_id["thank-interviewers"].due is not None
    assert "linkedin-same-day" not in by_id
    assert [r.id for r in resolved.file.pack.rules][-1] == "call-the-recruiter"
    assert resolved.layers["thank-interviewers"] == str(tmp_path / "child.yaml")


def test_chain_of_three_and_relative_paths(tmp_path: Path) -> None:
    write(tmp_path, "base/base.yaml", pack("base", rule("one", priority="low"), rule("two", action="move_on")))
    write(tmp_path, "mid.yaml", pack("mid", head="extends: base/base.yaml\noverrides:\n  - {id: one, priority: high}"))
    top = write(tmp_path, "top/top.yaml", pack("top", head="extends: ../mid.yaml\ndisable: [two]"))
    resolved = load_resolved(top)
    assert [(r.id, r.priority) for r in resolved.file.pack.rules] == [("one", "high")]
    assert resolved.packs == {"one": "base"}
    assert resolved.layers == {"one": str(tmp_path / "mid.yaml")}
    assert [pf.pack.name for pf in resolved.chain] == ["base", "mid", "top"]


def test_settings_are_inherited_unless_given(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", pack("base", rule("one"), head="settings: {call_windows: ['09:00-10:00']}"))
    child = write(tmp_path, "child.yaml", pack("child", head="extends: ./base.yaml"))
    own = write(tmp_path, "own.yaml", pack("own", head="extends: ./base.yaml\nsettings: {call_windows: ['15:00-16:00']}"))
    assert load_resolved(child).file.pack.settings.call_windows == ["09:00-10:00"]
    assert load_resolved(own).file.pack.settings.call_windows == ["15:00-16:00"]


def test_cycle_is_located(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", pack("a", head="extends: ./b.yaml"))
    write(tmp_path, "b.yaml", pack("b", head="# b builds on a\nextends: a.yaml"))
    with pytest.raises(PackError) as exc:
        load_resolved(a)
    assert problems(exc) == ["b.yaml:5:1: `extends` goes round in a circle: a.yaml -> b.yaml -> a.yaml | "
                             "a pack cannot build on itself; remove `extends` from one of these packs"]


def test_self_extension_by_path_is_a_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", pack("a", head="extends: ./a.yaml"))
    with pytest.raises(PackError) as exc:
        load_resolved(a)
    assert "a.yaml:4:1: `extends` goes round in a circle: a.yaml -> a.yaml" in problems(exc)[0]


def test_cycle_through_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "x.yaml", pack("x", head="extends: y"))
    write(tmp_path, "y.yaml", pack("y", head="extends: x"))
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path))
    with pytest.raises(PackError) as exc:
        engine().load_pack("x")
    assert "goes round in a circle: x.yaml -> y.yaml -> x.yaml" in problems(exc)[0]


def test_override_of_unknown_id_suggests_the_right_one(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD.replace("- id: thank-interviewers", "- id: thank-intervewers"))
    with pytest.raises(PackError) as exc:
        load_resolved(child)
    (msg,) = problems(exc)
    assert msg.startswith("child.yaml:7:5: `proactive` has no rule `thank-intervewers` to override | "
                          "did you mean `thank-interviewers`?")


def test_disable_of_unknown_id_suggests_the_right_one(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD.replace("disable: [linkedin-same-day]", "disable: [linkedin-sameday]"))
    with pytest.raises(PackError) as exc:
        load_resolved(child)
    (msg,) = problems(exc)
    assert msg.startswith("child.yaml:5:11: `proactive` has no rule `linkedin-sameday` to disable | "
                          "did you mean `linkedin-same-day`?")


def test_new_rule_reusing_an_inherited_id(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD.replace("- id: call-the-recruiter", "- id: keep-searching"))
    with pytest.raises(PackError) as exc:
        load_resolved(child)
    (msg,) = problems(exc)
    assert msg.startswith("child.yaml:11:5: rule `keep-searching` is already defined in `proactive` | "
                          "to change the inherited rule, list it under `overrides:`")


def test_overrides_without_extends(tmp_path: Path) -> None:
    p = write(tmp_path, "p.yaml", pack("p", rule("one"), head="overrides:\n  - {id: one, priority: low}"))
    with pytest.raises(PackError) as exc:
        load_resolved(p)
    assert problems(exc) == ["p.yaml:4:1: `overrides` changes inherited rules, but this pack does not extend another | "
                             "add `extends: <pack>` (e.g. conservative), or move the rules under `rules:`"]


def test_pack_without_rules_or_extends(tmp_path: Path) -> None:
    p = write(tmp_path, "p.yaml", pack("p"))
    with pytest.raises(PackError) as exc:
        load_resolved(p)
    assert problems(exc)[0].startswith("p.yaml:1:1: a pack needs at least one rule")


def test_bad_override_values_are_located_in_the_override(tmp_path: Path) -> None:
    text = CHILD.replace("    channel: handwritten\n", "    channel: emial\n    priorty: low\n")
    with pytest.raises(PackError) as exc:
        load_resolved(write(tmp_path, "child.yaml", text))
    assert problems(exc) == [
        "child.yaml:8:5: unknown channel `emial` | did you mean `email`? (one of 'email', 'phone', 'handwritten', "
        "'letter', 'linkedin' or 'none')",
        "child.yaml:9:5: unknown field `priorty` | did you mean `priority`? (allowed here: id, title, when, action, "
        "avoid, target, channel, priority, opens, due, expires, rationale, sources)",
    ]


def test_override_checked_as_a_whole_rule(tmp_path: Path) -> None:
    # the inherited condition tests person facts: a company target cannot use them
    text = CHILD.replace("    channel: handwritten\n", "    target: company\n")
    with pytest.raises(PackError) as exc:
        load_resolved(write(tmp_path, "child.yaml", text))
    msgs = problems(exc)
    assert msgs and all(m.startswith("child.yaml:7:5:") for m in msgs)
    assert "`person.thanked` is about a person, but this rule's target is not a person" in msgs[0]


def test_override_of_when_with_a_misspelt_fact(tmp_path: Path) -> None:
    text = CHILD.replace("    channel: handwritten\n", "    when: {person.thankd: false}\n")
    with pytest.raises(PackError) as exc:
        load_resolved(write(tmp_path, "child.yaml", text))
    (msg,) = problems(exc)
    assert msg.startswith("child.yaml:8:12: unknown fact `person.thankd` | did you mean `person.thanked`?")


def test_override_that_changes_nothing_and_removing_a_required_field(tmp_path: Path) -> None:
    text = CHILD.replace("    channel: handwritten\n    priority: high\n", "    priority: null\n  - id: keep-searching\n")
    with pytest.raises(PackError) as exc:
        load_resolved(write(tmp_path, "child.yaml", text))
    msgs = problems(exc)
    assert "child.yaml:8:5: `priority` cannot be removed from a rule | give `priority` a value" in msgs
    assert "child.yaml:9:5: the override of `keep-searching` changes nothing | add the fields to change " \
           "(e.g. `priority: high`), or remove the override" in msgs


def test_unknown_base_pack(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD.replace("extends: proactive", "extends: proactiv"))
    with pytest.raises(PackError) as exc:
        engine().load_pack(child)
    (msg,) = problems(exc)
    assert msg.startswith("child.yaml:4:1: cannot find the pack `proactiv` to extend | no pack named 'proactiv': "
                          "did you mean `proactive`?")


def test_missing_base_path(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", CHILD.replace("extends: proactive", "extends: ./nowhere.yaml"))
    with pytest.raises(PackError) as exc:
        load_resolved(child)
    assert problems(exc)[0].startswith("child.yaml:4:1: no pack file at ./nowhere.yaml")


def test_broken_base_is_reported_with_its_own_location(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", pack("base", rule("one", when="{follow_ups.cont: 1}")))
    child = write(tmp_path, "child.yaml", pack("child", head="extends: ./base.yaml"))
    with pytest.raises(PackError) as exc:
        load_resolved(child)
    msgs = problems(exc)
    assert msgs[0].startswith("child.yaml:4:1: the pack it extends") and "has 1 problem, listed below" in msgs[0]
    assert msgs[1].startswith("base.yaml:6:12: unknown fact `follow_ups.cont`")


def test_pack_may_extend_the_pack_it_shadows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "proactive.yaml", pack("proactive", head="extends: proactive\ndisable: [keep-searching]"))
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path))
    cp = engine().load_pack("proactive")
    ids = [cr.rule.id for cr in cp.rules]
    assert "keep-searching" not in ids and "thank-interviewers" in ids
    assert cp.file.origin == str(tmp_path / "proactive.yaml")


def test_compiled_pack_is_cached_and_recompiled_when_a_base_changes(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", pack("base", rule("one", priority="low")))
    child = write(tmp_path, "child.yaml", pack("child", head="extends: ./base.yaml"))
    e = engine()
    first = e.load_pack(child)
    assert e.load_pack(child) is first
    base.write_text(base.read_text().replace("priority: low", "priority: high"))
    st = base.stat()
    os.utime(base, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    second = e.load_pack(child)
    assert second is not first and second.rules[0].rule.priority == "high"


def test_override_of_sources_and_due_is_checked_in_place(tmp_path: Path) -> None:
    text = CHILD.replace("    channel: handwritten\n    priority: high\n",
                         "    sources: [{article: tiptopjb, items: [T2]}]\n    due: {from: decision_date, days: 1}\n")
    with pytest.raises(PackError) as exc:
        load_resolved(write(tmp_path, "child.yaml", text))
    msgs = problems(exc)
    assert any(m.startswith("child.yaml:9:11: `from: decision_date` needs `decision.days_past`, which the condition "
                            "does not guarantee") for m in msgs), msgs
    assert any(m.startswith("child.yaml:8:16: unknown article `tiptopjb` | did you mean `tiptopjob`?") for m in msgs), msgs


def test_override_of_sources_replaces_the_list(tmp_path: Path) -> None:
    text = CHILD.replace("    channel: handwritten\n", "    sources: [{article: anderson, items: [T4]}]\n")
    resolved = load_resolved(write(tmp_path, "child.yaml", text))
    rule_ = next(r for r in resolved.file.pack.rules if r.id == "thank-interviewers")
    assert [(c.article, c.items) for c in rule_.sources] == [("anderson", ["T4"])]


def test_cache_follows_the_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "one/base.yaml", pack("base", rule("from-one")))
    write(tmp_path, "two/base.yaml", pack("base", rule("from-two")))
    child = write(tmp_path, "child.yaml", pack("child", head="extends: base"))
    e = engine()
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path / "one"))
    assert [cr.rule.id for cr in e.load_pack(child).rules] == ["from-one"]
    monkeypatch.setenv("FOLLOWUP_PACKS_PATH", str(tmp_path / "two"))
    assert [cr.rule.id for cr in e.load_pack(child).rules] == ["from-two"]
