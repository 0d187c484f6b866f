"""docs/audit.md stays true to the packs.

The audit reads the five articles line by line and every citation of the three built-in packs. This test
keeps it honest as the packs change:

* every ADVICE item is cited by some rule of some pack, or the audit's left-out table gives a reason;
* every rule the audit names exists in the pack it is named for;
* the citation table lists, under each item and article, exactly the rules of each pack that cite them, and
  has a row for every article ADVICE.md attributes each item to;
* an article line whose advice no pack carries is in the left-out table, with a reason;
* the audit's locators point at lines of the articles that say something, and its paraphrases copy no run
  of their words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from followup.engine import Engine
from followup.sources import library

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "docs" / "audit.md"
SOURCES = Path("/work/shared/sources")
PACKS = ("conservative", "proactive", "tech-industry")
FILES = {
    "after-the-interview": "000_05254bade10153a9.txt",
    "tiptopjob": "001_56dc57431e3c9f42.txt",
    "proactive-follow-up": "002_5e4fded903e1e3ef.txt",
    "anderson": "003_a091e3af1286d376.txt",
    "how-to-follow-up": "004_383e7bfe55a5f4fe.txt",
}
RULE = re.compile(r"`([a-z0-9-]+)`")


def sections(text: str) -> dict[str, str]:
    """`## ` and `### ` headings to the text under them (up to the next heading of either level)."""
    parts = re.split(r"^(#{2,3} .+)$", text, flags=re.M)
    return {parts[i].lstrip("#").strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def table(body: str) -> list[list[str]]:
    """The rows of the first Markdown table in `body`, header and rule left out, cells stripped."""
    rows = [line for line in body.splitlines() if line.startswith("|")]
    assert len(rows) >= 3, "no table here"
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in rows[2:]]


def cited_rules(cell: str) -> set[str]:
    return set(RULE.findall(cell))


@pytest.fixture(scope="module")
def audit() -> dict[str, str]:
    return sections(AUDIT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def packs() -> dict[str, list[Any]]:
    engine = Engine(load_entrypoints=False)
    return {p: list(engine.load_pack(p).file.pack.rules) for p in PACKS}


def article_rows(audit: dict[str, str]) -> dict[str, list[list[str]]]:
    """Per article: rows of `line | advice | item | conservative | proactive | tech-industry`."""
    found = {}
    for key in FILES:
        heading = next((h for h in audit if h.startswith(f"`{key}`")), None)
        assert heading, f"docs/audit.md has no section for the article {key}"
        rows = table(audit[heading])
        assert all(len(r) == 6 for r in rows), (key, [r for r in rows if len(r) != 6])
        found[key] = rows
    return found


def citation_rows(audit: dict[str, str]) -> list[list[str]]:
    """Rows of `item | article | lines | what it says | conservative | proactive | tech-industry | verdict`."""
    rows = table(audit["Every citation, checked against its article"])
    assert all(len(r) == 8 for r in rows), [r for r in rows if len(r) != 8]
    return rows


def left_out(audit: dict[str, str]) -> list[list[str]]:
    """Rows of `article | line | advice | item | why no pack carries it`."""
    rows = table(audit["Left out of all three packs"])
    assert all(len(r) == 5 and r[4] for r in rows), [r for r in rows if len(r) != 5 or not r[4]]
    return rows


def test_every_advice_item_is_cited_or_left_out_with_a_reason(audit: dict[str, str], packs: dict[str, list[Any]]) -> None:
    cited = {i for rules in packs.values() for r in rules for c in r.sources for i in c.items}
    reasoned = {row[3] for row in left_out(audit) if len(row[4].split()) >= 6}
    missing = set(library().items) - cited - reasoned
    assert missing == set(), f"neither cited by a rule nor left out with a reason: {sorted(missing)}"


def test_every_rule_the_audit_names_exists(audit: dict[str, str], packs: dict[str, list[Any]]) -> None:
    ids = {p: {r.id for r in rules} for p, rules in packs.items()}
    named = 0
    for key, rows in article_rows(audit).items():
        for row in rows:
            for pack, cell in zip(PACKS, row[3:], strict=True):
                unknown = cited_rules(cell) - ids[pack]
                assert unknown == set(), f"{key} line {row[0]}: {pack} has no rule {sorted(unknown)}"
                named += len(cited_rules(cell))
    for row in citation_rows(audit):
        for pack, cell in zip(PACKS, row[4:7], strict=True):
            unknown = cited_rules(cell) - ids[pack]
            assert unknown == set(), f"{row[0]} {row[1]}: {pack} has no rule {sorted(unknown)}"
    for body in audit.values():  # prose names rules as `pack:rule`
        for pack, rule in re.findall(r"`(conservative|proactive|tech-industry):([a-z0-9-]+)`", body):
            assert rule in ids[pack], f"{pack} has no rule {rule}"
    assert named > 100


def test_the_citation_table_lists_exactly_the_rules_citing_each_item(audit: dict[str, str], packs: dict[str, list[Any]]) -> None:
    actual: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for pack, rules in packs.items():
        for r in rules:
            for c in r.sources:
                for item in c.items:
                    actual[(item, c.article, pack)].add(r.id)
    listed: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    pairs = set()
    for row in citation_rows(audit):
        item, article = row[0], row[1].strip("`")
        assert (item, article) not in pairs, f"two rows for {item} {article}"
        pairs.add((item, article))
        assert row[7], f"{item} {article}: no verdict"
        for pack, cell in zip(PACKS, row[4:7], strict=True):
            listed[(item, article, pack)] |= cited_rules(cell)
    # say exactly which cell to change: a new or changed citation needs its row checked and updated
    fixes = [f"row {item} `{article}`, {pack} column: add {sorted(actual[k] - listed[k])}, remove {sorted(listed[k] - actual[k])}"
             for k in sorted(set(actual) | {k for k, v in listed.items() if v})
             for item, article, pack in [k] if actual.get(k, set()) != listed.get(k, set())]
    assert fixes == [], "docs/audit.md, citation table:\n" + "\n".join(fixes)
    # every attribution ADVICE.md makes is checked against the article, cited or not
    attributed = {(i, a) for i, spec in library().items.items() for a in spec.articles}
    assert attributed - pairs == set(), "ADVICE attributions the audit has not checked"
    assert pairs - attributed == set(), "rows for attributions ADVICE.md does not make"


def test_article_lines_no_pack_carries_are_left_out_with_a_reason(audit: dict[str, str]) -> None:
    reasons = {(row[0].strip("`"), row[1]) for row in left_out(audit)}
    items = set(library().items) | {"—"}
    for key, rows in article_rows(audit).items():
        for row in rows:
            assert row[2] in items, f"{key} line {row[0]}: unknown item {row[2]}"
            if not any(cited_rules(cell) for cell in row[3:]):
                assert (key, row[0]) in reasons, f"{key} line {row[0]}: no pack carries it and no reason is given"
    listed = {(k, r[0]) for k, rows in article_rows(audit).items() for r in rows}
    assert reasons - listed == set(), "left-out rows for lines the article tables do not have"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source articles are not on this machine")
def test_locators_point_at_advice_and_paraphrases_copy_no_sentence(audit: dict[str, str]) -> None:
    grams: set[tuple[str, ...]] = set()
    n = 7
    for key, name in FILES.items():
        lines = (SOURCES / name).read_text(encoding="utf-8").splitlines()
        w = words("\n".join(lines))
        grams |= {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
        for row in article_rows(audit)[key]:
            found = re.fullmatch(r"(\d+)[a-e]?", row[0])  # "15", or "15b" for its second piece of advice
            assert found, f"{key}: `{row[0]}` is not a line locator"
            number = int(found.group(1))
            assert 1 <= number <= len(lines) and lines[number - 1].strip(), f"{key} line {row[0]} is empty"
    w = words(AUDIT.read_text(encoding="utf-8"))
    copied = [" ".join(w[i:i + n]) for i in range(len(w) - n + 1) if tuple(w[i:i + n]) in grams]
    assert copied == [], "docs/audit.md copies the articles' words"
