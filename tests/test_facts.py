"""Interview facts: validation, located errors with fixes, contradictions, derived values."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli
from followup.derive import derive
from followup.errors import FactsError

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"


def base() -> dict:
    return {
        "candidate": {"name": "Ana Ruiz"},
        "position": {"title": "Analyst", "company": "Acme", "industry": "finance", "culture": "formal",
                     "timezone": "America/New_York"},
        "interview": {"start": "2026-11-16T10:00:00-05:00", "end": "2026-11-16T11:00:00-05:00",
                      "format": "video", "went": "well"},
        "interviewers": [{"name": "Lee Park", "role": "hiring_manager", "email": "lee@acme.example"}],
    }


def problems(data: dict) -> list:
    with pytest.raises(FactsError) as info:
        followup.parse_facts(data)
    return info.value.problems


def test_minimal_facts_are_valid_with_documented_defaults() -> None:
    f = followup.parse_facts(base())
    assert f.interview.round == 1 and f.interview.still_interested is True
    assert f.decision.asked is False and f.follow_ups == []


def test_misspelt_field_gets_field_path_and_did_you_mean() -> None:
    data = base()
    data["interview"]["wnet"] = "well"
    (p,) = problems(data)
    assert p.path == ("interview", "wnet")
    assert "unknown field" in p.message and "did you mean `went`" in p.hint


def test_time_without_offset_is_read_in_the_company_zone_on_that_date() -> None:
    data = base()
    data["interview"]["end"] = "2026-11-16 11:00"
    data["interviewers"][0]["thank_you"] = {"at": "2026-11-16 18:40", "channel": "email"}
    f = followup.parse_facts(data)
    assert f.interview.end.isoformat() == "2026-11-16T11:00:00-05:00"
    assert f.interviewers[0].thank_you is not None and f.interviewers[0].thank_you.at.isoformat() == "2026-11-16T18:40:00-05:00"
    data["interview"]["start"], data["interview"]["end"] = "2026-06-16 10:00", "2026-06-16T11:00"
    data["interviewers"][0].pop("thank_you")
    assert followup.parse_facts(data).interview.end.utcoffset().total_seconds() == -4 * 3600  # summer time


def test_naive_time_with_an_unknown_zone_is_refused_with_an_offset_hint() -> None:
    data = base()
    data["position"]["timezone"] = "Mars/Olympus"
    data["interview"]["end"] = "2026-11-16T11:00:00"
    by_path = {p.path: p for p in problems(data)}
    assert "UTC offset" in by_path[("interview", "end")].hint and "position.timezone" in by_path[("interview", "end")].hint


def test_strings_are_not_coerced_to_numbers_or_booleans() -> None:
    data = base()
    data["interview"]["round"] = "2"
    data["interview"]["notes_taken"] = "yes"
    paths = {p.path for p in problems(data)}
    assert paths == {("interview", "round"), ("interview", "notes_taken")}


def test_unknown_time_zone_and_enum_value() -> None:
    data = base()
    data["position"]["timezone"] = "Europe/Londn"
    data["position"]["culture"] = "formel"
    by_path = {p.path: p for p in problems(data)}
    assert "unknown time zone" in by_path[("position", "timezone")].message
    assert "did you mean `formal`" in by_path[("position", "culture")].hint


@pytest.mark.parametrize(
    "change, path, words",
    [
        (lambda d: d["interviewers"][0].update(thank_you={"at": "2026-11-15T12:00:00-05:00", "channel": "email"}),
         ("interviewers", 0, "thank_you", "at"), "before the interview"),
        (lambda d: d.update(follow_ups=[{"at": "2026-11-20T10:00:00-05:00", "channel": "email", "to": ["Lee Park"],
                                         "answered": True, "answered_at": "2026-11-19T10:00:00-05:00"}]),
         ("follow_ups", 0, "answered_at"), "before the follow-up"),
        (lambda d: d.update(follow_ups=[{"at": "2026-11-20T10:00:00-05:00", "channel": "email", "to": ["Lea Park"]}]),
         ("follow_ups", 0, "to", 0), "not one of the interviewers"),
        (lambda d: d["interview"].update(end="2026-11-16T09:00:00-05:00"), ("interview", "end"), "ends before it starts"),
        (lambda d: d.update(decision={"expected_by": "2026-11-20T17:00:00-05:00"}), ("decision", "asked"), "`asked` is false"),
    ],
)
def test_contradictions_are_errors_with_the_offending_path(change, path, words) -> None:
    data = base()
    change(data)
    found = problems(data)
    assert any(p.path == path and words in p.message and p.hint for p in found), found


def test_every_contradiction_is_reported_not_only_the_first() -> None:
    data = base()
    data["interview"]["end"] = "2026-11-16T09:00:00-05:00"
    data["decision"] = {"informs": "Nobody"}
    paths = {p.path for p in problems(data)}
    assert {("interview", "end"), ("decision", "informs"), ("decision", "asked")} <= paths


def test_yaml_errors_carry_file_line_and_column(tmp_path: Path) -> None:
    text = JUST_AFTER.read_text().replace("  went: well", "  went: grand")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(FactsError) as info:
        followup.load_facts(bad)
    (p,) = info.value.problems
    line = next(i for i, line_ in enumerate(text.splitlines(), 1) if "went: grand" in line_)
    assert (p.file, p.line, p.column) == (str(bad), line, 3)
    assert f"{bad}:{line}:3" in str(info.value)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("candidate:\n  name: [unclosed\nposition: {}\n")
    with pytest.raises(FactsError) as info:
        followup.load_facts(bad)
    (p,) = info.value.problems
    assert p.line is not None and p.code == "syntax"


def test_json_facts_are_located_too(tmp_path: Path) -> None:
    data = base()
    data["interviewers"][0]["role"] = "boss"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data, indent=2))
    with pytest.raises(FactsError) as info:
        followup.load_facts(path)
    (p,) = info.value.problems
    assert p.path == ("interviewers", 0, "role") and p.line and p.line > 1


def test_cli_bad_facts_exit_2_with_every_problem_and_no_traceback(tmp_path: Path) -> None:
    text = JUST_AFTER.read_text().replace("  went: well", "  went: grand").replace("  format: onsite", "  fromat: onsite")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = CliRunner().invoke(cli, ["advise", str(bad), "--at", "2026-11-17T16:00"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "interview.went" in result.output and "did you mean `format`" in result.output
    assert f"{bad}:" in result.output and "fix:" in result.output


def test_subprocess_missing_file_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(tmp_path / "nope.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "cannot read facts" in proc.stderr and "Traceback" not in proc.stderr


def test_derived_values_at_an_explicit_time() -> None:
    f = followup.load_facts(JUST_AFTER)
    # Friday 20 Nov, 3 days after a Tuesday interview that ended 15:00 London time
    d = derive(f, datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    assert d.case["hours_since_interview"] == 72.0
    assert d.case["days_since_interview"] == 3 and d.case["business_days_since_interview"] == 3
    assert d.case["interviewers.unthanked"] == 3 and d.case["interviewers.missing_contact"] == 1
    assert d.case["decision.days_past"] is None and d.case["outcome"] == "none"
    hm = [s for s in d.subjects if s.hiring_manager]
    assert [s.person.name for s in hm] == ["Dana Lee"]
    assert d.at.tzinfo is not None and str(d.at.tzinfo) == "Europe/London"


def test_business_days_skip_the_weekend() -> None:
    f = followup.load_facts(JUST_AFTER)
    # Monday 23 Nov: 6 calendar days but 4 business days after Tuesday 17
    d = derive(f, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert d.case["days_since_interview"] == 6 and d.case["business_days_since_interview"] == 4


def test_python_values_that_are_not_facts_are_an_input_error_not_a_traceback() -> None:
    data = base()
    data["interviewers"][0]["name"] = {"Lee", "Park"}
    with pytest.raises(FactsError) as info:
        followup.parse_facts(data)
    assert "cannot represent set" in str(info.value)


def test_datetime_objects_are_accepted_and_naive_ones_refused() -> None:
    data = base()
    data["interview"]["start"] = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert followup.parse_facts(data).interview.start.hour == 15
    data["interview"]["start"] = datetime(2026, 11, 16, 15, 0)
    (p,) = problems(data)
    assert p.path == ("interview", "start")


def test_time_independent_values_are_reused_per_facts_object_and_never_leak_to_copies() -> None:
    import gc

    from followup import derive as derive_module

    f = followup.load_facts(JUST_AFTER)
    at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    first = derive(f, at)
    assert derive(f, at).subjects is first.subjects  # computed once for this object
    thanked = f.model_copy(update={"interview": f.interview.model_copy(update={"notes_taken": True})})
    assert derive(thanked, at).case["candidate.notes_taken"] is True
    assert derive(f, at).case["candidate.notes_taken"] is False
    key = id(thanked)
    del thanked
    gc.collect()
    assert key not in derive_module._statics


def test_one_line_fields_refuse_exactly_the_control_and_separator_characters() -> None:
    """Every character of Unicode categories Cc, Zl and Zp is refused in a name, and no other."""
    import unicodedata

    refused = {chr(i) for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) in ("Cc", "Zl", "Zp")}
    for ch in sorted(refused):
        data = base()
        data["interviewers"][0]["name"] = f"Lee{ch}Park"
        found = problems(data)
        assert found[0].path == ("interviewers", 0, "name") and "one line" in found[0].message, repr(ch)
    for ch in ("\u00a0", "\u200b", "\u00e9", "\u4e2d", "\U0001f600", "\u0300", "\ufeff"):  # near misses: accepted
        data = base()
        data["interviewers"][0]["name"] = f"Lee{ch}Park"
        assert followup.parse_facts(data).interviewers[0].name == f"Lee{ch}Park"
