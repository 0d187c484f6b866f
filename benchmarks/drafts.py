"""Draft rendering: the bounded sandbox vs jinja2's own immutable sandbox, same templates, same data.

The bounded environment (followup.sandbox) counts every loop iteration,
call and emitted character and checks sizes before building; this measures
what that costs on the built-in templates. One "draft" = render one template
for one person with plain data, shape it for its medium and check it against
the facts (what render_drafts does per person). The table gives the median µs
per draft and the ratio to jinja2's ImmutableSandboxedEnvironment rendering
the same template with the same data (no shaping, no checks), and the peak
memory of rendering a panel of ten.

    python benchmarks/drafts.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import tracemalloc
from collections.abc import Callable

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followup.draftcheck import sample_facts
from followup.drafts import BUILTIN_TEMPLATES, DRAFT_KINDS, draft_data, environment, render_draft, variants
from followup.results import Action
from timing import median_seconds


def _action(kind: str, person_name: str, at: object) -> Action:
    return Action.model_validate({
        "rank": 1, "rule": "bench", "pack": "bench", "kind": kind, "avoid": False, "title": kind, "channel": "email",
        "priority": "normal", "score": 0, "urgency": "today", "due": at, "rationale": "bench", "sources": [],
        "target": {"kind": "each_interviewer", "name": person_name}})


def median_us(fn: Callable[[], object], rounds: int) -> float:
    return median_seconds(fn, rounds) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    facts = sample_facts()
    now = facts.interview.end
    person = facts.people[1]
    numbers = variants(facts)
    bounded = environment([BUILTIN_TEMPLATES])
    plain = ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)),
                                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                          keep_trailing_newline=True)
    plain.filters.update(bounded.filters)  # the project's filters (first_name, and_list, a), guarded ones too
    rows = []
    for kind in DRAFT_KINDS:
        action = _action(kind, person.name, now)
        data = draft_data(action, person, facts, now, numbers[person.name.casefold()])
        tb, tp = bounded.template(f"{kind}.txt.j2"), plain.get_template(f"{kind}.txt.j2")
        assert bounded.render(tb, data) == tp.render(data), kind  # same text either way
        full = median_us(lambda: render_draft(bounded, tb, action, person, facts, now, 0), args.rounds)
        only = median_us(lambda: bounded.render(tb, data), args.rounds)
        base = median_us(lambda: tp.render(data), args.rounds)
        tracemalloc.start()
        for p in facts.people:
            render_draft(bounded, tb, _action(kind, p.name, now), p, facts, now, numbers[p.name.casefold()])
        peak = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
        rows.append((kind, base, only, only / base, full, full / base, peak))
    print(f"{'template':<22} {'jinja2 µs':>10} {'bounded µs':>11} {'ratio':>6} {'draft µs':>9} {'ratio':>6} {'panel KiB':>10}")
    for kind, base, only, r1, full, r2, peak in rows:
        print(f"{kind:<22} {base:>10.0f} {only:>11.0f} {r1:>6.2f} {full:>9.0f} {r2:>6.2f} {peak:>10.0f}")
    print("jinja2: ImmutableSandboxedEnvironment.render; bounded: followup's sandbox.render (limits counted);")
    print("draft: plain data built from the facts, rendered, shaped for its medium and checked against the facts.")


if __name__ == "__main__":
    main()
