"""Odd text cannot break a channel: control characters in what a pack or old advice says are escaped.

Facts with control characters are refused at validation (test_hostile_files);
a pack's own titles and rationales, and advice kept in an outbox from before,
can still carry them, so the email and .ics channels escape what they write.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar

import followup
from followup.results import Advice
from mail_support import Mailbox

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
NASTY = "Acme\r\nBcc: evil@attacker.example\x0b\x0c\x00 Ltd\u2028"


def _nasty_advice(engine: followup.Engine) -> Advice:
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-18T10:00+00:00")
    actions = [a.model_copy(update={"title": f"Call\r\nX-Injected: 1\x00{i}",
                                    "rationale": "line one\r\nline two\x0bVT\x0cFF\x00NUL"})
               for i, a in enumerate(advice.actions)]
    return advice.model_copy(update={"company": NASTY, "position": "Engineer\n", "actions": actions})


def _controls(data: bytes) -> set[int]:
    return {c for c in data if c < 32 and c not in (9, 10, 13)} | ({0x7F} & set(data))


def test_ics_escapes_control_characters_and_can_be_rewritten(tmp_path: Path) -> None:
    engine = followup.Engine()
    advice = _nasty_advice(engine)
    target = tmp_path / "out.ics"
    for _ in range(2):  # the second run reads the first file back (and must still work)
        [result] = engine.deliver(advice, [f"ics:{target}"], outbox=tmp_path / "outbox.json")
        assert result.status == "delivered", result.detail
    data = target.read_bytes()
    assert not _controls(data)
    cal = Calendar.from_ical(data)
    assert "\n" not in str(cal["X-WR-CALNAME"]) and "Bcc: evil" in str(cal["X-WR-CALNAME"])
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert events and all("X-INJECTED" not in c for c in events)
    assert all("Call X-Injected: 1 " in str(c["SUMMARY"]) for c in events)
    assert all("line one\nline two VT FF NUL" in str(c["DESCRIPTION"]) for c in events)


def test_email_headers_cannot_be_injected(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    engine = followup.Engine()
    advice = _nasty_advice(engine)
    [result] = engine.deliver(advice, [f"email:me@example.org,host=127.0.0.1,port={port}"],
                              outbox=tmp_path / "outbox.json")
    assert result.status == "delivered", result.detail
    [msg] = box.messages
    assert box.recipients == [["me@example.org"]]  # no Bcc smuggled in
    assert msg["Bcc"] is None
    subject = str(msg["Subject"])
    assert "\r" not in subject and "\n" not in subject and "Bcc: evil@attacker.example" in subject


def test_email_to_an_address_with_a_line_break_is_a_channel_error(tmp_path: Path) -> None:
    engine = followup.Engine()
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-18T10:00+00:00")
    [result] = engine.deliver(advice, ["email:me@example.org\r\nBcc: evil@attacker.example,host=127.0.0.1,port=1"],
                              outbox=tmp_path / "outbox.json")
    assert result.status == "failed" and "is not an email address" in result.detail, result.detail
    assert "crashed" not in result.detail


@pytest.mark.parametrize(("field", "value", "what"), [
    ("company", "Acme\r\nBcc: x@evil.example", "carriage return"),
    ("title", "Eng\x0bineer", "vertical tab"),
    ("company", "Ac\x00me", "NUL"),
    ("title", "Eng\u2028ineer", "line separator"),
])
def test_facts_with_control_characters_are_refused_with_the_field_path(field: str, value: str, what: str) -> None:
    from followup.facts import load_facts

    data = load_facts(JUST_AFTER).model_dump(mode="json", by_alias=True)
    data["position"][field] = value
    with pytest.raises(followup.FactsError) as info:
        followup.parse_facts(data)
    [problem] = info.value.problems
    assert problem.path == ("position", field) and what in problem.message and problem.hint


def test_trailing_newline_is_cleaned_not_refused() -> None:
    from followup.facts import load_facts

    data = load_facts(JUST_AFTER).model_dump(mode="json", by_alias=True)
    data["candidate"]["name"] = "Sam Rivera\n"
    assert followup.parse_facts(data).candidate.name == "Sam Rivera"


@pytest.mark.parametrize("address", ["sam", "sam@", "@example.org", "sam@example", "sam rivera@example.org",
                                     "Sam <sam@example.org>", "a@b.c\nBcc: x@y.z", "a,b@example.org"])
def test_candidate_email_is_validated(address: str) -> None:
    from followup.facts import load_facts

    data = load_facts(JUST_AFTER).model_dump(mode="json", by_alias=True)
    data["candidate"]["email"] = address
    with pytest.raises(followup.FactsError) as info:
        followup.parse_facts(data)
    assert info.value.problems[0].path == ("candidate", "email")
