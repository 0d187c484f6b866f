"""Reminders never hide open work: every digest lists all open actions, overdue first, new ones marked; long lists
stay within each receiver's limits with "and N more", cut at words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from delivery_support import JUST_AFTER
from followup import Engine
from followup.digest import build_digest, cut_words, digest_markdown, digest_text
from followup.outbox import Outbox
from followup.plugins.webhook_payloads import SLACK_MAX_BLOCKS, SLACK_SECTION_TEXT, TEAMS_MAX_BYTES, payload
from followup.results import Advice
from mail_support import Mailbox, plain

FOLLOWUP = Path(sys.executable).with_name("followup")


def test_three_mornings_of_cron_every_digest_lists_all_open_work(mailbox: tuple[Mailbox, int],
                                                                 state_home: Path) -> None:
    box, port = mailbox
    env = {**os.environ, "FOLLOWUP_HOME": str(state_home)}

    def morning(at: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(FOLLOWUP), "advise", JUST_AFTER, "-p", "proactive", "--at", at,
                               "--to", f"email:sam@example.org,host=127.0.0.1,port={port}"],
                              capture_output=True, text=True, env=env, timeout=60)

    day1 = morning("2026-11-17T16:00")  # an hour after the interview
    assert day1.returncode == 0, day1.stderr
    [first] = box.messages
    assert str(first["Subject"]) == "Follow-up: 11 open (11 new) for Senior Backend Engineer at Northwind Analytics"
    assert plain(first).count("[new]") == 12  # the hold-off advice is new too, though not work

    day2 = morning("2026-11-18T09:00")  # nothing done: all ten dated actions are now overdue
    assert day2.returncode == 0, day2.stderr
    second = plain(box.messages[1])
    assert str(box.messages[1]["Subject"]).startswith("Follow-up: 11 open (10 overdue) for")
    assert "[new]" not in second and "Send a thank-you to Dana Lee by email" in second
    assert second.index("Overdue") < second.index("Send a thank-you to Dana Lee") < second.index("Due today")

    day2b = morning("2026-11-18T09:30")  # cron ran twice: nothing new, nothing newly due
    assert day2b.returncode == 0 and "already delivered" in day2b.stderr and len(box.messages) == 2

    day3 = morning("2026-11-20T11:00")  # day three: the call range opens; stale day-1 advice has expired
    assert day3.returncode == 0, day3.stderr
    third = box.messages[2]
    body = plain(third)
    assert str(third["Subject"]).startswith("Follow-up: 11 open (3 overdue, 7 new) for")
    overdue = body[body.index("Overdue"):body.index("Due today")]
    today = body[body.index("Due today"):]
    for title in ("Send a thank-you to Alex Chen by email", "Ask Dana Lee when the decision will be made by email"):
        assert title in overdue  # day 1's work that is still worth doing, still listed
    # the same-evening thank-yous and notes have expired; late thank-yous (new rules) took over
    assert "Write down your notes on the interview" not in body
    assert re.search(r"^ ?\d+\. \[new\] Send a thank-you to Dana Lee by email$", today, re.M)
    assert re.search(r"^ ?\d+\. \[new\] Ask Dana Lee about the status by phone$", today, re.M)
    assert body.count("[new]") == 7 and "Don't phone" not in body  # the wait is over
    # the ones already sent say what and when; the new ones also why
    alex = overdue[overdue.index("Send a thank-you to Alex Chen"):]
    assert "Why:" not in alex.split("\n\n")[0]
    assert "Why:" in today[today.index("Ask Dana Lee about the status"):]
    md = third.get_body(("markdown",)).get_content().replace("\r\n", "\n")
    assert "## Overdue" in md and "*new* · **Ask Dana Lee about the status by phone**" in md

def test_an_email_retried_from_the_outbox_keeps_its_message_id_and_marks(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    box.refuse = ["451 4.3.0 try again later"]
    engine = Engine()
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00")
    target = f"email:sam@example.org,host=127.0.0.1,port={port}"
    [r] = engine.deliver(advice, [target])
    assert r.status == "failed" and not r.permanent
    [entry] = Outbox().entries()
    from followup.delivery import retry_outbox

    [(_, again)] = retry_outbox(engine.channels())
    assert again.status == "delivered"
    [msg] = box.messages
    assert str(msg["Message-ID"]) == f"<{entry.key}@followup.invalid>"
    assert plain(msg).count("[new]") == 12


def _long_advice(n: int) -> Advice:
    base = Engine().advise(JUST_AFTER, "proactive", "2026-11-18T09:00")
    words = "Remember the interviewer's point about the migration and the on-call rota when you write " * 8
    actions = []
    for i in range(n):
        a = base.actions[i % len(base.actions)]
        actions.append(a.model_copy(update={"rank": i + 1, "rule": f"rule-{i}",
                                            "title": f"Step {i}: {a.title} " + words[: 40 + 7 * i % 400],
                                            "rationale": words * 5}))
    return base.model_copy(update={"actions": actions})


def _cut_cleanly(cut: str, original: str) -> bool:
    """`cut` is `original` or a prefix of it ending at a word boundary, followed by the ellipsis."""
    if cut == original:
        return True
    stem = cut.removesuffix("…")
    return original.startswith(stem) and original[len(stem)] in " \n"


def test_slack_stays_within_blocks_and_text_limits_and_counts_the_rest() -> None:
    for n in (12, 60, 200):
        advice = _long_advice(n)
        digest = build_digest(advice, {})
        body = payload(digest, "slack", "followup-k")
        blocks = body["blocks"]
        assert len(blocks) <= SLACK_MAX_BLOCKS
        assert len(blocks[0]["text"]["text"]) <= 150
        texts = [b["text"]["text"] for b in blocks[1:-1]]
        assert all(len(t) <= SLACK_SECTION_TEXT for t in texts)
        listed = sum(1 for t in texts if re.match(r"^\*\d+\. ", t))
        more = [t for t in texts if t.startswith("…and ")]
        if listed < n:
            [line] = more
            assert line.startswith(f"…and {n - listed} more")
        else:
            assert not more
        # every item's text is cut at a word, never mid-word
        by_rank = {a.rank: a for a in advice.actions}
        for t in texts:
            m = re.match(r"^\*(\d+)\. ", t)
            if m:
                a = by_rank[int(m.group(1))]
                full = f"*{a.rank}. {cut_words(a.title, 300)}* `new`\n"
                assert t.startswith(full[:20])
                rationale = t.split("\n", 2)[2]
                assert _cut_cleanly(rationale, a.rationale)
        assert len(body["text"]) <= 3000 and (n == 12 or "more (see `followup advise`" in body["text"])
        assert body["metadata"]["event_payload"]["idempotency_key"] == "followup-k"


def test_teams_card_stays_within_its_size_and_counts_the_rest() -> None:
    for n in (12, 200):
        digest = build_digest(_long_advice(n), {})
        body = payload(digest, "teams", "followup-k")
        size = len(json.dumps(body, ensure_ascii=False).encode())
        assert size <= TEAMS_MAX_BYTES
        blocks = body["attachments"][0]["content"]["body"]
        listed = sum(1 for b in blocks if re.match(r"^\d+\. ", b["text"]))
        if n == 12:
            assert listed == 12 and not any(b["text"].startswith("…and") for b in blocks)
        else:
            assert 0 < listed < n and blocks[-1]["text"].startswith(f"…and {n - listed} more")
        assert body["followup"]["idempotency_key"] == "followup-k"


def test_cut_words_never_cuts_mid_word() -> None:
    text = "Send a thank-you to Tomás Ó Briain tonight, while the interview is fresh"
    for limit in range(1, len(text) + 2):
        cut = cut_words(text, limit)
        assert len(cut) <= max(limit, 1)
        if cut != text and " " in text[:limit - 1]:
            assert _cut_cleanly(cut, text), (limit, cut)
    assert cut_words("x" * 50, 10) == "x" * 9 + "…"  # a first word longer than the limit: cut, but only then


def test_markdown_digest_keeps_ranks_under_sections() -> None:
    advice = Engine().advise(JUST_AFTER, "proactive", "2026-11-20T11:00")
    md = digest_markdown(build_digest(advice, {}))
    ranks = [int(m) for m in re.findall(r"^- (\d+)\\\. ", md, re.M)]
    assert sorted(ranks) == [a.rank for a in advice.actions]
    assert md.index("## Overdue") < md.index("## Due today")


def test_a_digest_gives_a_rules_reasons_once_pointing_back_to_a_reason_it_shows() -> None:
    """The morning after, three thank-yous are overdue from one rule: its reasons appear once; the others
    point to the rank above that carries them, never to one whose reasons this digest leaves out."""
    advice = Engine().advise(JUST_AFTER, "proactive", "2026-11-18T10:00")
    for text in (digest_text(build_digest(advice, {})), digest_markdown(build_digest(advice, {}))):
        assert text.count("Why: Sent that same evening") == 1
        blocks = {int(m.group(1)): m.group(0) for m in re.finditer(r"(?m)^(?:- | ?)(\d+)\\?\. (?:.*\n)+?(?=\n|- \d)", text)}
        pointers = {rank: int(m.group(1)) for rank, b in blocks.items() if (m := re.search(r"Why: as for (\d+) above", b))}
        assert len(pointers) >= 2
        for rank, earlier in pointers.items():
            assert text.index(blocks[earlier]) < text.index(blocks[rank])
            assert "Why: " in blocks[earlier] and "as for" not in blocks[earlier]
    first = build_digest(advice, {})
    everything_sent = {i.uid: i.hash for i in first.items}  # all in the last digest: no reasons, no pointers
    again = digest_text(build_digest(advice, everything_sent))
    assert "as for" not in again and "Why:" not in again
