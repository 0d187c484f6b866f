"""Webhook bodies: the Advice with its digest, a Slack Block Kit message, a Teams Adaptive Card.

Each lists every open action, overdue first, new ones marked, and stays within
what the receiver accepts: Slack takes at most 50 blocks and 3,000 characters
of text in a section (150 in a header), Teams cards about 28 KB. What does not
fit is counted in an "and N more" line; text is cut at a word, never mid-word.
"""

from __future__ import annotations

import json
from typing import Any

from followup.digest import SECTIONS, Digest, DigestItem, cut_words, how_when

__all__ = ["payload", "SLACK_MAX_BLOCKS", "SLACK_SECTION_TEXT", "TEAMS_MAX_BYTES"]

SLACK_MAX_BLOCKS = 50
SLACK_SECTION_TEXT = 3000
SLACK_HEADER_TEXT = 150
SLACK_FALLBACK_TEXT = 3000  # the notification text; Slack shows far less, and cuts at 40,000
TEAMS_MAX_BYTES = 24_000  # Teams refuses messages over about 28 KB; room is kept for its own envelope


def _head(d: Digest) -> str:
    return f"{d.summary[0].upper()}{d.summary[1:]}: {d.advice.position} at {d.advice.company}"


def _line(i: DigestItem) -> str:
    a = i.action
    mark = f"[{i.mark}] " if i.mark else ""
    return f"{a.rank}. {mark}{a.title} ({how_when(a)})"


def _slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (links, mentions): https://api.slack.com/reference/surfaces/formatting"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _more(n: int) -> str:
    return f"…and {n} more (see `followup advise` for the full list)"


def _as_json(d: Digest, key: str | None) -> dict[str, Any]:
    body = d.advice.model_dump(mode="json")
    body["digest"] = d.as_dict() | {"idempotency_key": key}
    return body


def _fallback(d: Digest) -> str:
    """The plain `text` a notification shows: whole lines while they fit, then how many more."""
    lines = [_head(d)]
    for n, i in enumerate(d.items):
        line = _line(i)
        rest = len(d.items) - n
        if len("\n".join([*lines, line, _more(rest)])) > SLACK_FALLBACK_TEXT:
            lines.append(_more(rest))
            break
        lines.append(line)
    return "\n".join(lines)


def _slack_item(d: Digest, i: DigestItem) -> dict[str, Any]:
    a = i.action
    mark = f" `{i.mark}`" if i.mark else ""
    text = f"*{a.rank}. {_slack_escape(cut_words(a.title, 300))}*{mark}\n{how_when(a)}"
    if not d.seen(i):  # already sent and unchanged: what and when is reminder enough
        text += "\n" + _slack_escape(a.rationale)
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut_words(text, SLACK_SECTION_TEXT)}}


def _slack(d: Digest, key: str | None) -> dict[str, Any]:
    a = d.advice
    closing = {"type": "context", "elements": [{"type": "mrkdwn", "text": cut_words(
        f"{a.candidate} · pack {a.pack.title} · as of {a.at:%a %d %b %Y %H:%M} {a.timezone}", 2000)}]}
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text",
                                                                "text": cut_words(_head(d), SLACK_HEADER_TEXT)}}]
    room = SLACK_MAX_BLOCKS - 2  # the header above and the context block at the end
    counts = {section: len(items) for section, items in d.sections()}
    listed, section = 0, None
    for item in d.items:
        need = 1 + (item.section != section)  # a section's heading goes with its first item
        more = 1 if listed + 1 < len(d.items) else 0  # a block kept for "and N more" unless this is the last
        if len(blocks) - 1 + need + more > room:
            break
        if item.section != section:
            section = item.section
            blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                       "text": f"*{SECTIONS[section]}* ({counts[section]})"}})
        blocks.append(_slack_item(d, item))
        listed += 1
    if listed < len(d.items):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _more(len(d.items) - listed)}})
    if not d.items:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing to do right now."}})
    blocks.append(closing)
    body: dict[str, Any] = {"text": _fallback(d), "blocks": blocks}
    if key:
        # Slack's message metadata: kept with the message, readable by apps that dedupe
        body["metadata"] = {"event_type": "followup_digest", "event_payload": {"idempotency_key": key,
                                                                                "summary": d.summary}}
    return body


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode())


def _teams(d: Digest, key: str | None) -> dict[str, Any]:
    a = d.advice
    card_body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _head(d), "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": f"{a.candidate} · pack {a.pack.title} · as of {a.at:%a %d %b %Y %H:%M} "
                                      f"{a.timezone}", "isSubtle": True, "wrap": True, "spacing": "None"},
    ]
    message: dict[str, Any] = {"type": "message", "summary": cut_words(_head(d), 150), "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                    "version": "1.4", "body": card_body},
    }]}
    if key:
        message["followup"] = {"idempotency_key": key, "summary": d.summary}
    reserve = _size({"type": "TextBlock", "text": _more(len(d.items)), "wrap": True}) + 1
    counts = {section: len(items) for section, items in d.sections()}
    size = _size(message)
    listed, section = 0, None
    for item in d.items:
        add = []
        if item.section != section:
            add.append({"type": "TextBlock", "text": f"{SECTIONS[item.section]} ({counts[item.section]})",
                        "weight": "Bolder", "separator": True, "wrap": True})
        mark = f" **{item.mark}**" if item.mark else ""
        add.append({"type": "TextBlock", "text": f"{item.action.rank}. {cut_words(item.action.title, 300)}{mark} — "
                                                 f"{how_when(item.action)}", "wrap": True})
        grow = sum(_size(b) + 1 for b in add)  # each block and its comma
        more = reserve if listed + 1 < len(d.items) else 0
        if size + grow + more > TEAMS_MAX_BYTES:
            break
        card_body.extend(add)
        size += grow
        section = item.section
        listed += 1
    if listed < len(d.items):
        card_body.append({"type": "TextBlock", "text": _more(len(d.items) - listed), "wrap": True})
    if not d.items:
        card_body.append({"type": "TextBlock", "text": "Nothing to do right now.", "wrap": True})
    return message


def payload(digest: Digest, style: str, key: str | None = None) -> dict[str, Any]:
    """The JSON body for `style`: `json` (the Advice, plus a `digest` object), `slack` or `teams`."""
    if style == "json":
        return _as_json(digest, key)
    if style == "slack":
        return _slack(digest, key)
    return _teams(digest, key)
