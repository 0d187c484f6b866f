"""`followup validate`: located findings with a did-you-mean, the lint, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authoring_support import REPO, pack, rule, run, write
from followup.conditions import parse_condition
from followup.lint import implies, satisfiable, validate_pack

SHAPE = """
name: shape
title: Shape
summary: Misspellings of every kind.
rules:
  - id: r1
    action: thank_yuo
    target: each_interviewr
    channel: emial
    priorty: high
    rationale: Thanks matter.
    sources: []
"""

MEANING = """
name: meaning
title: Meaning
summary: Misspelt names inside conditions and sources.
rules:
  - id: r1
    when:
      follow_ups.cont: 1
      days_since_interview: {gte: 3}
      outcome: rejectoin
    action: thank_you
    target: company
    channel: email
    rationale: " "
    sources: [{article: tiptopjb, items: [T22]}]
  - id: r2
    action: linkedin
    target: self
    channel: none
    rationale: x
    sources: []
"""


def lines_of(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if not ln.startswith("    fix:")]


def test_shape_errors_with_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, "shape.yaml", SHAPE)
    result = run("validate", str(tmp_path / "shape.yaml"))
    assert result.exit_code == 1
    out = result.output.replace(str(tmp_path) + "/", "")
    assert "shape.yaml:6:5 (rules.0.action): error: unknown action kind `thank_yuo`\n    fix: did you mean `thank_you`?" in out
    assert "shape.yaml:7:5 (rules.0.target): error: unknown target `each_interviewr`\n    fix: did you mean `each_interviewer`?" in out
    assert "shape.yaml:8:5 (rules.0.channel): error: unknown channel `emial`\n    fix: did you mean `email`?" in out
    assert "shape.yaml:9:5 (rules.0.priorty): error: unknown field `priorty`\n    fix: did you mean `priority`?" in out
    assert out.rstrip().endswith("shape.yaml: 4 errors, 0 warnings")


def test_meaning_errors_with_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, "meaning.yaml", MEANING.replace("  - id: r2\n    action: linkedin", "  - id: r2\n    action: move_on"))
    result = run("validate", str(tmp_path / "meaning.yaml"))
    assert result.exit_code == 1
    out = result.output.replace(str(tmp_path) + "/", "")
    expected = [
        ("meaning.yaml:7:7 (rules.0.when.follow_ups.cont): error: unknown fact `follow_ups.cont`",
         "did you mean `follow_ups.count`?"),
        ("meaning.yaml:8:30 (rules.0.when.days_since_interview.gte): error: unknown operator `gte`", "did you mean `gt`?"),
        ("meaning.yaml:9:7 (rules.0.when.outcome): error: `rejectoin` is not a value of `outcome`", "did you mean `rejection`?"),
        ("meaning.yaml:13:5 (rules.0.rationale): error: the rationale is blank", "say in a sentence or two why"),
        ("meaning.yaml:14:16 (rules.0.sources.0.article): error: unknown article `tiptopjb`", "did you mean `tiptopjob`?"),
        ("meaning.yaml:14:43 (rules.0.sources.0.items.0): error: unknown advice item `T22`", "did you mean `T2`?"),
    ]
    for where, fix in expected:
        assert f"{where}\n    fix: {fix}" in out


def test_channel_that_does_not_fit_the_action(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", pack("p", rule("r", action="write_notes", channel="email")))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 1
    assert "p.yaml:8:5 (rules.0.channel): error: `write_notes` cannot go through `email`\n    fix: use one of: none" in result.output


def test_misspelt_pack_level_field(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", pack("p", rule("r"), head="extnds: proactive"))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 1
    assert "p.yaml:4:1 (extnds): error: unknown field `extnds`\n    fix: did you mean `extends`?" in result.output


def test_yaml_syntax_error_is_a_located_finding(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "name: p\nrules:\n  - id: [unclosed\n")
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 2  # unreadable, not a finding in a pack
    assert "p.yaml:3:9: error: not valid YAML: the `[` here is never closed" in result.output


def test_clean_pack_exit_0(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", pack("p", rule("r", when="{follow_ups.count: {ge: 1}}")))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 0, result.output
    assert result.output.endswith("p.yaml: ok (1 rule)\n")


def test_builtin_packs_validate_clean() -> None:
    result = run("validate", "conservative", "proactive", "tech-industry")
    assert result.exit_code == 0, result.output
    assert [ln.split(": ")[1].split(" ")[0] for ln in result.output.splitlines()] == ["ok", "ok", "ok"]


def test_unreadable_and_not_a_pack_exit_2(tmp_path: Path) -> None:
    facts = write(tmp_path, "facts.yaml", "candidate: {name: Sam}\n")
    listing = write(tmp_path, "list.yaml", "- a\n- b\n")
    good = write(tmp_path, "good.yaml", pack("good", rule("r")))
    result = run("validate", str(good), str(tmp_path / "missing.yaml"), str(facts), str(listing))
    assert result.exit_code == 2
    out = result.output.replace(str(tmp_path) + "/", "")
    assert "good.yaml: ok (1 rule)" in out
    assert "missing.yaml: error: cannot read pack: No such file or directory\n    fix: check the path" in out
    assert "facts.yaml:1:1: error: this is not a pack: it has none of name, extends or rules" in out
    assert "list.yaml:1:1: error: a pack must be a mapping with name, title, summary and rules" in out


def test_unknown_pack_name_exit_2() -> None:
    result = run("validate", "conservatve")
    assert result.exit_code == 2
    assert "no pack named 'conservatve': did you mean `conservative`?" in result.output


def test_lint_never_holds(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", pack("p",
                                   rule("bounds", when="{follow_ups.count: {ge: 5, lt: 3}}", action="move_on"),
                                   rule("values", when="{all: [{outcome: offer}, {outcome: rejection}]}", action="write_notes"),
                                   rule("negative", when="{follow_ups.calls: {lt: 0}}", action="keep_searching"),
                                   rule("enum", when="{interview.went: {eq: well, ne: well}}", action="prepare_second_round"),
                                   rule("fine", when="{hours_since_interview: {lt: 0}}", action="collect_contacts")))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 1
    out = lines_of(result.output.replace(str(tmp_path) + "/", ""))
    assert out == [
        "p.yaml:6:5 (rules.0.when): error: the condition of `bounds` can never hold, so the rule never fires",
        "p.yaml:14:5 (rules.1.when): error: the condition of `values` can never hold, so the rule never fires",
        "p.yaml:22:5 (rules.2.when): error: the condition of `negative` can never hold, so the rule never fires",
        "p.yaml:30:5 (rules.3.when): error: the condition of `enum` can never hold, so the rule never fires",
        "p.yaml: 4 errors, 0 warnings",
    ]


def test_lint_shadowed_opposing_and_name(tmp_path: Path) -> None:
    write(tmp_path, "file-name.yaml", pack("p",
                                           rule("wide", when="{follow_ups.count: {ge: 1}}", action="status_check", target="company", channel="email"),
                                           rule("narrow", when="{follow_ups.count: {ge: 2}}", action="status_check", target="company", channel="email"),
                                           rule("dont", when="{days_since_interview: {ge: 2}}", action="status_check", target="company",
                                                channel="phone", extra="avoid: true"),
                                           rule("urgent", when="{follow_ups.count: {ge: 3}}", action="status_check", target="company",
                                                channel="email", priority="high")))
    result = run("validate", str(tmp_path / "file-name.yaml"))
    assert result.exit_code == 1
    out = result.output.replace(str(tmp_path) + "/", "")
    assert ("file-name.yaml:1:1 (name): warning: the pack is named `p` but its file is `file-name.yaml`; "
            "--pack finds it as `file-name`") in out
    assert ("file-name.yaml:13:5 (rules.1.id): warning: `narrow` is shadowed by `wide`: whenever it applies, `wide` "
            "gives the same advice (status_check to company by email) at normal priority or higher") in out
    # `urgent` is narrower too, but outranks `wide`: not shadowed
    assert "`urgent` is shadowed" not in out
    assert ("file-name.yaml:26:5 (rules.2.priority): warning: `dont` and `wide` can apply at the same time with "
            "opposite advice about status_check for company, both at normal priority") in out
    assert "`urgent` and `dont`" not in out and "`dont` and `urgent`" not in out
    assert out.rstrip().endswith("file-name.yaml: 0 errors, 4 warnings")


def test_lint_shadowed_across_channels(tmp_path: Path) -> None:
    # the ranking keeps one status check per person, so a phone rule under a wider email rule never shows
    write(tmp_path, "p.yaml", pack("p", rule("mail", when="{follow_ups.count: {ge: 1}}", action="status_check", target="company", channel="email", priority="high"),
                                   rule("call", when="{follow_ups.count: {ge: 2}}", action="status_check", target="company", channel="phone")))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 1
    assert ("p.yaml:13:5 (rules.1.id): warning: `call` is shadowed by `mail`: whenever it applies, `mail` gives the same "
            "advice (status_check to company by email instead of phone) at high priority or higher, and only one action "
            "of a kind per person is shown") in result.output.replace(str(tmp_path) + "/", "")


def test_lint_of_an_extending_pack_only_reports_its_own_rules(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", pack("base", rule("a", when="{follow_ups.count: {ge: 1}}", action="status_check", target="company", channel="email"),
                                      rule("b", when="{follow_ups.count: {ge: 2}}", action="status_check", target="company", channel="email")))
    write(tmp_path, "child.yaml", pack("child", head="extends: ./base.yaml\noverrides:\n  - {id: a, when: {follow_ups.count: {ge: 4, le: 3}}}"))
    result = run("validate", str(tmp_path / "child.yaml"))
    out = lines_of(result.output.replace(str(tmp_path) + "/", ""))
    assert out == ["child.yaml:6:13 (overrides.0.when): error: the condition of `a` can never hold, so the rule never fires",
                   "child.yaml: 1 error, 0 warnings"]


def test_inheritance_errors_in_validate(tmp_path: Path) -> None:
    write(tmp_path, "child.yaml", pack("child", head="extends: proactive\ndisable: [keep-serching]"))
    result = run("validate", str(tmp_path / "child.yaml"))
    assert result.exit_code == 1
    assert ("child.yaml:5:11 (disable.0): error: `proactive` has no rule `keep-serching` to disable\n"
            "    fix: did you mean `keep-searching`?") in result.output


def test_json_output(tmp_path: Path) -> None:
    write(tmp_path, "shape.yaml", SHAPE)
    result = run("validate", "--json", str(tmp_path / "shape.yaml"))
    data = json.loads(result.output)
    assert data[0]["exit_code"] == 1
    assert data[0]["problems"][3] == {
        "file": str(tmp_path / "shape.yaml"), "line": 9, "column": 5, "path": "rules.0.priorty",
        "message": "unknown field `priorty`", "severity": "error", "code": "extra_forbidden",
        "hint": "did you mean `priority`? (allowed here: id, title, when, action, avoid, target, channel, priority, opens, due, expires, rationale, sources)",
    }


def test_validate_as_a_subprocess(tmp_path: Path) -> None:
    write(tmp_path, "shape.yaml", SHAPE)
    proc = subprocess.run([str(Path(sys.executable).parent / "followup"), "validate", "shape.yaml"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "shape.yaml:9:5 (rules.0.priorty): error: unknown field `priorty`" in proc.stdout
    assert "Traceback" not in proc.stderr


def _cond(raw: object) -> object:
    problems: list[object] = []
    cond = parse_condition(raw, (), lambda *a: problems.append(a), allow_person=True)
    assert not problems
    return cond


@pytest.mark.parametrize("raw, holds", [
    ({"follow_ups.count": {"ge": 5, "lt": 3}}, False),
    ({"follow_ups.count": {"le": 0}}, True),
    ({"hours_since_interview": {"lt": 0}}, True),  # negative before the interview ends
    ({"days_since_interview": {"gt": 2, "lt": 3}}, False),  # no whole number between
    ({"hours_since_interview": {"gt": 2, "lt": 3}}, True),
    ({"days_since_interview": {"ge": 3, "le": 3, "ne": 3}}, False),
    ({"decision.days_past": {"present": False, "gt": 2}}, False),
    ({"not": {"decision.days_past": {"gt": 2}}, "decision.days_past": {"gt": 3}}, False),
    ({"not": {"decision.days_past": {"gt": 2}}}, True),
    ({"decision.passed": True, "decision.days_past": {"present": False}}, False),
    ({"outcome": {"in": [offer, "update"], "not_in": ["offer", "update"]}} if (offer := "offer") else {}, False),
    ({"any": [{"outcome": "offer"}, {"follow_ups.count": {"lt": 0}}]}, True),
    ({"interview.round": 0}, False),
    ({"person.thanked": True, "not": {"person.thanked": True}}, False),
])
def test_satisfiable(raw: object, holds: bool) -> None:
    assert satisfiable(_cond(raw)) is holds


def test_implies() -> None:
    assert implies(_cond({"follow_ups.count": {"ge": 3}}), _cond({"follow_ups.count": {"gt": 1}}))
    assert not implies(_cond({"follow_ups.count": {"ge": 1}}), _cond({"follow_ups.count": {"gt": 1}}))
    assert implies(_cond({"outcome": "offer"}), None)
    assert not implies(None, _cond({"outcome": "offer"}))


def test_validate_pack_library_api(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", pack("p", rule("r")))
    result = validate_pack(path)
    assert result.exit_code == 0 and result.problems == [] and result.resolved is not None


def test_rule_without_rationale(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "name: p\ntitle: P\nsummary: s\nrules:\n  - id: r\n    action: move_on\n    target: self\n"
                              "    channel: none\n    sources: []\n")
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.exit_code == 1
    assert "p.yaml:5:5 (rules.0.rationale): error: required field `rationale` is missing\n    fix: add `rationale:` here" \
        in result.output


def test_validate_a_folder(tmp_path: Path) -> None:
    write(tmp_path, "packs/a.yaml", pack("a", rule("r")))
    write(tmp_path, "packs/b.yaml", pack("b", rule("r", action="thank_yuo")))
    write(tmp_path, "packs/tests/a.yaml", "cases: []\n")  # test files are not packs
    result = run("validate", str(tmp_path / "packs"))
    assert result.exit_code == 1
    out = result.output.replace(str(tmp_path) + "/", "")
    assert "packs/a.yaml: ok (1 rule)" in out and "packs/b.yaml: 1 error, 0 warnings" in out
    (tmp_path / "empty").mkdir()
    empty = run("validate", str(tmp_path / "empty"))
    assert empty.exit_code == 2 and "is a folder with no pack files in it" in empty.output
    builtins = run("validate", str(REPO / "policies"))
    assert builtins.exit_code == 0, builtins.output
    assert builtins.output.count(": ok (") == 3


def test_override_that_repeats_the_inherited_value(tmp_path: Path) -> None:
    write(tmp_path, "child.yaml", pack("child", head="extends: proactive\noverrides:\n  - id: keep-searching\n"
                                                     "    priority: low\n    channel: none\n    title: Keep going"))
    result = run("validate", str(tmp_path / "child.yaml"))
    assert result.exit_code == 1
    out = result.output.replace(str(tmp_path) + "/", "")
    assert ("child.yaml:7:5 (overrides.0.priority): warning: `keep-searching` already has this `priority` in `proactive`\n"
            "    fix: remove `priority` from the override: it changes nothing") in out
    assert "child.yaml:8:5 (overrides.0.channel): warning: `keep-searching` already has this `channel`" in out
    assert out.rstrip().endswith("child.yaml: 0 errors, 2 warnings")


def test_rule_and_inheritance_errors_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "child.yaml", pack("child", rule("mine", when="{follow_ups.cont: 1}"),
                                       head="extends: proactive\ndisable: [keep-serching]"))
    result = run("validate", str(tmp_path / "child.yaml"))
    assert result.exit_code == 1
    out = lines_of(result.output.replace(str(tmp_path) + "/", ""))
    assert out == ["child.yaml:5:11 (disable.0): error: `proactive` has no rule `keep-serching` to disable",
                   "child.yaml:8:12 (rules.0.when.follow_ups.cont): error: unknown fact `follow_ups.cont`",
                   "child.yaml: 2 errors, 0 warnings"]
