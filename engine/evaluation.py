"""One evaluation: facts at a moment, through a compiled pack, to ranked actions."""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .businesstime import next_call_slot
from .compiler import CompiledPack, CompiledRule
from .conditions import ReadyPlan, explain_ready, ready_plan
from .derive import MOVING, Derived, Subject, derive, due_moment, expiry, holiday_note, recorded_after, window_moment
from .durable import dump_object, retraction
from .facts import Facts
from .packs import Due, Rule
from .ranking import URGENCY_POINTS, order_by_dependency, rank
from .results import Action, Advice, Target

if TYPE_CHECKING:
    from .derive import Closing

__all__ = ["evaluate", "due_time", "subject_facts"]


def due_time(due: Due, derived: Derived, clock: time | None = None) -> datetime | None:
    """The concrete due time of `due` (company time zone), None if its anchor is unknown.

    `clock` is `due.time` already parsed (compiled rules keep it). The
    arithmetic itself lives in derive.due_moment.
    """
    if clock is None and due.time is not None:
        clock = time.fromisoformat(due.time)
    return due_moment(due, derived, clock)[0]


def subject_facts(cp: CompiledPack, derived: Derived) -> list[tuple[Subject | None, dict[str, Any]]]:
    """The facts asserted into durable-rules: one for the case, one per person; absent values left out.

    No `sid`: durable puts a fact without one in session "0", the one session each ruleset uses.
    """
    lay = _layout(cp, derived, moving=None)
    subjects: list[Subject | None] = [None] if lay.case is not None else []
    subjects += [s for s, _, _ in lay.people]
    return list(zip(subjects, _asserted(lay, derived), strict=True))


Pairs = tuple[tuple[str, str], ...]  # (case value name, durable field)


@dataclass(slots=True)
class _Layout:
    """The facts asserted for one pack layout, as far as they are fixed for given facts.

    An evaluation copies each template and adds the values that move with
    the evaluation time (derive.MOVING): a dozen instead of every field.
    """

    case: dict[str, Any] | None  # the case fact's template (None: the pack has no case rules)
    case_moving: Pairs
    # per person: the subject, its fact's template, and the case values it reads that move
    people: list[tuple[Subject, dict[str, Any], Pairs]]
    # per fact id: the person (None for the case) and what ranking reads of them (name, hiring manager, contact)
    ranking: dict[str, tuple[Subject | None, str | None, int, int]]
    # The same facts as durable reads them (_Written), made at the second evaluation: a case
    # evaluated once (a batch line, a service request) is better served by dumping its facts.
    written: _Written | None = None


@dataclass(frozen=True, slots=True)
class _Written:
    """A layout's facts as durable reads them, but for the values that move.

    In runs of facts that read the same moving values: what writes those
    values and the closing brace, and each template's JSON without its
    closing brace (the case's first); and what retracts them.
    """

    runs: tuple[tuple[Callable[[dict[str, Any]], str], tuple[str, ...]], ...]
    retract: str


def _layout(cp: CompiledPack, derived: Derived, moving: frozenset[str] | None = MOVING) -> _Layout:
    """Made once per facts and field layout, kept in the facts' memo.

    `moving`: the case values that change between evaluations; None when
    plugins may have changed any of them (enrich.py), so all are read each time.
    """
    key = cp.layout_keys[moving is None]
    hit: _Layout | None = derived.memo.get(key)
    if hit is not None:
        return hit
    case = derived.case

    def split(pairs: Pairs) -> tuple[dict[str, Any], Pairs]:
        fixed = {f: case[name] for name, f in pairs
                 if moving is not None and name not in moving and case[name] is not None}
        return fixed, tuple((name, f) for name, f in pairs if moving is None or name in moving)

    case_template: dict[str, Any] | None = None
    case_moving: Pairs = ()
    if cp.has_case_rules:
        fixed, case_moving = split(cp.case_fields)
        case_template = {"id": "s0", "k": "c", **fixed}
    people = []
    ranking: dict[str, tuple[Subject | None, str | None, int, int]] = {"s0": _CASE}
    if cp.has_person_rules:
        shared: dict[Pairs, tuple[dict[str, Any], Pairs]] = {}
        for i, s in enumerate(derived.subjects, start=1):
            sid = f"s{i}"
            template: dict[str, Any] = {"id": sid, "k": "i" if s.group == "interviewers" else "a",
                                        "p": True, "hm": s.hiring_manager, "dc": s.decision_contact}
            values = s.values
            for name, f in cp.person_fields:
                if name in values and values[name] is not None:
                    template[f] = values[name]
            from_case = tuple((name, f) for name, f in cp.person_fields if name not in values)
            if from_case not in shared:  # every person reads the same case values: split them once
                shared[from_case] = split(from_case)
            fixed, moves = shared[from_case]
            template.update(fixed)
            people.append((s, template, moves))
            ranking[sid] = (s, s.person.name, 0 if s.hiring_manager else 1, 0 if s.decision_contact else 1)
    hit = derived.memo[key] = _Layout(case_template, case_moving, people, ranking)
    return hit


def _written(lay: _Layout, case: dict[str, Any]) -> _Written:
    """The layout's facts written as durable reads them (`case`: the case values now, see _tail)."""
    facts = ([(lay.case, lay.case_moving)] if lay.case is not None else []) + [(t, m) for _, t, m in lay.people]
    runs = [(_tail(moves, case), tuple(dump_object(t)[:-1] for t, _ in run))
            for moves, run in itertools.groupby(facts, key=lambda fact: fact[1])]
    return _Written(tuple(runs), retraction([t for t, _ in facts]))


def _payload(written: _Written, derived: Derived) -> str:
    """:func:`_asserted` as the JSON text durable reads.

    Only the moving values are written, once per run: the fixed part of every
    fact was written when the layout's _Written was made.
    """
    case = derived.case
    parts = []
    for tail, heads in written.runs:
        end = tail(case)
        parts.append((end + ",").join(heads) + end)
    return "[" + ",".join(parts) + "]"


def _tail(moves: Pairs, values: dict[str, Any]) -> Callable[[dict[str, Any]], str]:
    """What writes these moving values after a head: their members and the closing brace.

    `values`: the case values when the written form is made. Which are absent seldom
    changes (derive gives a moving value whenever what it counts from is known),
    so the values present then are read with one itemgetter, and the others only
    checked to be absent still; otherwise every value is read one by one.
    """
    if not moves:
        return lambda case: "}"
    present = [(name, f) for name, f in moves if values[name] is not None]
    absent = [name for name, _ in moves if values[name] is None]
    fields = tuple(f for _, f in present)
    read, unset, none = _getter([name for name, _ in present]), _getter(absent), (None,) * len(absent)

    def tail(case: dict[str, Any]) -> str:
        got = read(case)
        if None in got or (none and unset(case) != none):  # a value came or went: read them one by one
            members = {f: v for name, f in moves if (v := case[name]) is not None}
        else:
            members = dict(zip(fields, got, strict=True))
        return "," + dump_object(members)[1:] if members else "}"

    return tail


def _getter(names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """itemgetter(*names), always giving a tuple (itemgetter of one name gives the value)."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda case: (case[name],)
    return lambda case: ()


def _asserted(lay: _Layout, derived: Derived) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    case = derived.case
    if lay.case is not None:
        fact = lay.case.copy()
        for name, f in lay.case_moving:
            v = case[name]
            if v is not None:
                fact[f] = v
        out.append(fact)
    # the case values a person's fact reads are read once and added to every person's fact
    shared: dict[str, Any] = {}
    last: Pairs | None = None
    for _, template, moves in lay.people:
        if moves is not last:
            shared = {f: v for name, f in moves if (v := case[name]) is not None}
            last = moves
        fact = template.copy()
        fact.update(shared)
        out.append(fact)
    return out


def evaluate(cp: CompiledPack, facts: Facts, at: datetime, *, explain: bool = False,
             enrich: Callable[[Facts, Derived], Derived] | None = None) -> Advice:
    """Rank the actions `cp` recommends for `facts` at `at` (`enrich`: plugin-derived values, see enrich.py)."""
    derived = derive(facts, at)
    if enrich is not None:
        derived = enrich(facts, derived)
    moving = None if enrich is not None else MOVING  # plugins may change any case value
    lay = _layout(cp, derived, moving=moving)
    now = derived.at
    memo = derived.memo
    firings, again = _firings(cp, lay, memo)
    best: dict[Any, tuple[tuple[Any, ...], Ranked]] = {}  # per dedupe group: (sort key, firing) of the best
    # This loop runs per firing on every evaluation: urgency, score, the sort
    # key and keeping the best per group (see ranking.py) are inlined, and result
    # objects are built only for the actions that survive ranking. dict.fromkeys drops
    # the repeats of a rule whose `$or` fired once per true branch, keeping the order.
    written = lay.written
    if written is not None:
        fired_all = (cp.ruleset.fire_dumped(_payload(written, derived), written.retract,
                                            lambda: _asserted(lay, derived)) if written.runs else [])
    else:
        fired_all = cp.ruleset.fire(_asserted(lay, derived))
        if again:  # these facts are evaluated again and again: write them from now on
            lay.written = _written(lay, derived.case)
    for fired in dict.fromkeys(fired_all):
        firing = firings.get(fired)
        if firing is None:
            firing = firings[fired] = _Firing.make(cp, lay, derived, *fired)
        kept = firing.kept  # (since, until, candidate): between them nothing the candidate depends on moves
        candidate = kept[2] if kept[0] <= now < kept[1] else firing.decide(derived, cp, again)
        if candidate is None:
            continue  # not yet worth doing, or no longer
        have = best.get(firing.group)
        if have is None or candidate[0] < have[0]:
            best[firing.group] = candidate
    ranked = rank(best)
    may_enable = cp.may_enable
    if may_enable and len(ranked) > 1 and _enabler_below(ranked, may_enable):
        ranked = order_by_dependency(ranked, _rule_name, cp.relation, _person_of, _lacks)
    case = derived.case
    actions = []
    local_tz = derived.local_tz
    for i, (firing, when, urg, points) in enumerate(ranked, start=1):
        because = None
        if explain:
            ready = firing.ready
            if ready is None:
                subject = firing.subject
                ready = firing.ready = ready_plan(firing.cr.because, case,
                                                  subject.values if subject is not None else _NONE, moving)
            because = list(ready[1]) if ready[0] else explain_ready(ready, case)
        template = firing.action
        if template is None:
            template = firing.action = _action(firing.cr, firing.subject, cp, derived, firing.when)
        fields = template.copy()  # the fixed fields, in the order of Action's fields
        fields["rank"] = i
        fields["score"] = points
        fields["urgency"] = urg
        if firing.when is None:  # moments that move with the time
            fields.update(_moment_fields(when, local_tz))
        fields["sources"] = list(firing.cr.sources)
        fields["because"] = because
        actions.append(_new_action(fields))
    notices = []
    if derived.last_recorded is not None and now < derived.last_recorded:
        later = recorded_after(facts, now)
        if later is not None:
            notices.append(later)
    made = memo.get(_HEAD)
    if made is None:
        made = memo[_HEAD] = _advice_head(facts, derived)
    head, note = made
    advice = head.copy()  # in the order of Advice's fields
    advice["at"] = now
    advice["notices"] = notices
    advice["set_aside"] = []
    advice["pack"] = cp.ref
    advice["actions"] = actions
    advice["notes"] = [note]
    return _new_advice(advice)


def _advice_head(facts: Facts, derived: Derived) -> tuple[dict[str, Any], str]:
    """The fields of an Advice that depend on the facts alone, and the note on business days."""
    local_tz = derived.local_tz
    pos = facts.position
    return {
        "schema_version": 1,
        "candidate": facts.candidate.name,
        "position": pos.title,
        "company": pos.company,
        "timezone": pos.timezone,
        "candidate_timezone": str(local_tz) if local_tz else None,
        "at": None,
        "at_source": "given",
        "notices": None,
        "set_aside": None,
        "pack": None,
        "actions": None,
        "notes": None,
    }, holiday_note(derived, pos.country, pos.subdivision)


_HEAD = "advice head"  # its memo key (derive.Derived.memo)
_new_action = Action._trusted
_new_advice = Advice._trusted


# What ranking reads of the case fact's subject: no person, leads the hiring-manager and contact order.
_CASE: tuple[None, None, int, int] = (None, None, 0, 0)
_NONE: dict[str, Any] = {}  # the person values of the case: none (never written)


@dataclass(frozen=True, slots=True)
class When:
    """An action's moments: due, when to call, its window, and why the due time was moved (if it was)."""

    due: datetime | None
    suggested: datetime | None
    opens: datetime | None
    expires: datetime | None
    note: str | None
    expired_because: Closing | None  # str() writes it out


class _Firing:
    """What a rule firing for one subject yields that is fixed for given facts and pack, made at its first firing.

    Kept per facts and pack (_firings): the loop in evaluate reads one object
    per firing instead of looking up the rule, the person, the moments and
    the action's fixed fields one by one at every evaluation.
    """

    __slots__ = ("action", "avoid", "bounds", "cr", "group", "kept", "points", "ready", "subject", "tie", "when")

    def __init__(self, cr: CompiledRule, subject: Subject | None, who: str | None, hm: int, dc: int,
                 when: When | None) -> None:
        rule = cr.rule
        self.cr, self.subject, self.when = cr, subject, when
        self.action: dict[str, Any] | None = None  # the action's fixed fields, when it is first ranked (_action)
        if who is None:
            who = rule.target
        self.avoid, self.points = rule.avoid, cr.points
        self.tie = (rule.id, hm, dc, who)  # the sort key after score and due time (ranking.py, rule 3)
        self.group = (rule.action, who, rule.avoid)  # what ranking keeps the best of (ranking.rank)
        self.ready: ReadyPlan | None = None  # the because-trace's plan, at the first explain
        # The moments between which the last evaluation's candidate holds, and the candidate: one
        # tuple, so that threads evaluating the same facts at other moments read them together.
        # Empty until decide() keeps one, and for moments that move with the time.
        self.kept: tuple[datetime, datetime, Candidate | None] = _NOTHING_KEPT
        self.bounds: tuple[datetime, ...] | None = None  # the moments where it can change, at the first keep

    def decide(self, derived: Derived, cp: CompiledPack, keep: bool) -> Candidate | None:
        """Whether this firing is a candidate at the evaluation time, with its sort key, urgency and score.

        With fixed moments and `keep` (the facts are evaluated again) the answer
        is kept, with the moments around now between which it cannot change (see _bounds).
        """
        now = derived.at
        when = self.when
        if when is None:
            return _candidate(self, _when(self.cr, derived, cp), now)
        candidate = _candidate(self, when, now)
        if not keep:
            return candidate
        bounds = self.bounds
        if bounds is None:
            bounds = self.bounds = _bounds(when, derived.tz)
            if bounds is None:
                return candidate  # moments in another zone: decided every time
        i = bisect_right(bounds, now)
        if 0 < i < len(bounds):
            self.kept = bounds[i - 1], bounds[i], candidate
        else:  # before the first moment or after the last: the calendar's end in the same zone
            ends = _ENDS.get(now.tzinfo)
            if ends is None:
                ends = _ENDS[now.tzinfo] = datetime.min.replace(tzinfo=now.tzinfo), datetime.max.replace(tzinfo=now.tzinfo)
            self.kept = bounds[i - 1] if i else ends[0], bounds[i] if i < len(bounds) else ends[1], candidate
        return candidate

    @classmethod
    def make(cls, cp: CompiledPack, lay: _Layout, derived: Derived, name: str, sid: str) -> _Firing:
        cr = cp.by_name[name]
        subject, who, hm, dc = lay.ranking[sid]
        # moments not counted from now nor a call: the same at every evaluation of these facts
        when = _when(cr, derived, cp) if cr.when_key is not None else None
        return cls(cr, subject, who, hm, dc, when)


# A firing that is worth doing now: its sort key, and the firing with its moments, urgency and score.
Candidate = tuple[tuple[Any, ...], "Ranked"]


def _candidate(firing: _Firing, when: When, now: datetime) -> Candidate | None:
    """The firing at `now` with these moments, as ranking reads it (ranking.py, rules 1-3); None outside its window."""
    opens = when.opens
    if (opens is not None and now < opens) or (when.expires is not None and now >= when.expires):
        return None
    due = when.due
    if firing.avoid or due is None:
        urg = "today"
    elif due < now:
        urg = "overdue"
    elif opens is not None or due.date() == now.date():
        urg = "today"  # inside an open range ("day 3 to 5"): now is a right moment
    else:
        urg = "upcoming"
    points = firing.points + URGENCY_POINTS[urg]
    return (-points, due is None, due, firing.tie), (firing, when, urg, points)


def _bounds(when: When, tz: tzinfo) -> tuple[datetime, ...] | None:
    """The moments at which _candidate's answer for `when` can change, in order (None: not known here).

    It compares the evaluation time with the opening, the expiry and the due
    time, and the due time's day with the evaluation day, so the answer holds
    from one of these moments to the next: the opening, the expiry, the
    microsecond after the due time, and the start of the due day (the day
    after it starts once the due time has passed, which decides it alone).
    Every moment is in the evaluation time's zone, where Python compares wall
    times, as _candidate does; a moment in another zone is compared
    otherwise, so such moments are decided at every evaluation.
    """
    out = []
    for moment in (when.opens, when.expires):
        if moment is not None:
            if moment.tzinfo is not tz:
                return None
            out.append(moment)
    due = when.due
    if due is not None:
        if due.tzinfo is not tz:
            return None
        out += [due + _TICK, due.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)]
    out.sort()
    return tuple(out)


_TICK = timedelta(microseconds=1)
# An empty interval, which no moment of any zone is in (the calendar's ends, compared through UTC).
_NOTHING_KEPT: tuple[datetime, datetime, None] = (datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC), None)
# The same per zone, where comparisons read wall times and need no UTC offset (a few hundred zones at most).
_ENDS: dict[tzinfo | None, tuple[datetime, datetime]] = {}


def _firings(cp: CompiledPack, lay: _Layout, memo: dict[Any, Any]) -> tuple[dict[tuple[str, str], _Firing], bool]:
    """The firings met so far for these facts under `cp` (and this layout: plugins change what is fixed),
    and whether these facts were evaluated under it before.

    Per pack, not per layout: packs that assert the same facts (one extending
    another, say) share a layout, but their rule names (r0, r1, ...) mean other rules.
    """
    key = ("firings", id(cp), id(lay))
    hit = memo.get(key)
    # the pack and layout are kept alongside: an id may be reused once they are dropped
    if hit is not None and hit[0] is cp and hit[1] is lay:
        return hit[2], True
    table: dict[tuple[str, str], _Firing] = {}
    memo[key] = (cp, lay, table)
    return table, False


# A ranked firing: (firing, moments, urgency, score).
Ranked = tuple[_Firing, When, str, int]


def _window(cr: CompiledRule, derived: Derived) -> tuple[datetime | None, datetime | None, Closing | None]:
    """(opens, expires, why it expires): fixed for given facts, so memoised with them."""
    key = ("window", cr.window_key)
    hit = derived.memo.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    rule = cr.rule
    opens = window_moment(rule.opens, derived) if rule.opens is not None else None
    if cr.follows is not None:
        # a replacement opens when the rule it replaces expires (and not before its own opening)
        before, _ = expiry(cr.follows.expires, _reference(cr.follows, derived), derived)
        opens = _NEVER if before is None else max(before, opens) if opens is not None else before
    expires, why = (expiry(rule.expires, _reference(rule, derived), derived) if rule.expires is not None
                    else (None, None))
    derived.memo[key] = (opens, expires, why)
    return opens, expires, why


# The moments of an action template whose moments move (set at each evaluation).
_UNSET = When(None, None, None, None, None, None)

# A replacement whose predecessor has not expired is not open yet.
_NEVER = datetime.max.replace(tzinfo=UTC)


def _reference(rule: Rule, derived: Derived) -> datetime | None:
    """What a rule's window counts events from: its due anchor, else its opening's anchor, else the interview end."""
    if rule.due is not None and rule.due.from_ != "now":
        return derived.anchors[rule.due.from_]
    if rule.opens is not None:
        return derived.anchors[rule.opens.from_]
    return derived.anchors["interview_end"]


def _when(cr: CompiledRule, derived: Derived, cp: CompiledPack) -> When:
    """Due time, window and, for calls, when to call: inside the pack's call windows, on business days."""
    fixed = cr.when_key
    if fixed is not None:
        # Not counted from now and not a call: the same moments at every evaluation of these facts.
        hit: When | None = derived.memo.get(fixed)
        if hit is None:
            hit = derived.memo[fixed] = _moments(cr, derived, cp)
        return hit
    return _moments(cr, derived, cp)


def _moments(cr: CompiledRule, derived: Derived, cp: CompiledPack) -> When:
    rule = cr.rule
    phone = cr.phone
    cal = derived.holidays
    opens, expires, why = _window(cr, derived)
    note = None
    if rule.due is None:
        due = None
    elif rule.due.from_ == "now":
        due, note = due_moment(rule.due, derived, cr.due_clock)
        if phone and due is not None:
            due = next_call_slot(due, cp.call_windows, cal)
    else:
        # A fixed anchor gives the same due time at every evaluation of these facts;
        # the key is everything else the due time depends on.
        key = (cr.due_key, phone, cp.call_windows)
        if key in derived.memo:
            due, note = derived.memo[key]
        else:
            due, note = due_moment(rule.due, derived, cr.due_clock)
            if phone and due is not None:
                due = next_call_slot(due, cp.call_windows, cal)
            derived.memo[key] = (due, note)
    suggested = None
    if phone:
        if opens is not None and opens is not _NEVER:
            start = max(derived.at, opens)  # a range: the first slot inside it, not its end
        else:
            start = max(derived.at, due) if due is not None else derived.at
        suggested = next_call_slot(start, cp.call_windows, cal)
    return When(due, suggested, opens, expires, note, why)


def _enabler_below(ranked: list[Ranked], may_enable: dict[str, frozenset[str]]) -> bool:
    """Is a rule ranked below one it may enable? Only then can the dependency order move anything."""
    above: set[str] = set()
    for firing, _, _, _ in ranked:
        name = firing.cr.name
        if name in may_enable and not may_enable[name].isdisjoint(above):
            return True
        above.add(name)
    return False


# How order_by_dependency reads a ranked firing: its rule, its person (by identity), what they lack.
def _rule_name(item: Ranked) -> str:
    return item[0].cr.name


def _person_of(item: Ranked) -> int | None:
    subject = item[0].subject
    return None if subject is None else id(subject.person)


def _lacks(item: Ranked, detail: str) -> bool:
    subject = item[0].subject
    if subject is None:
        return False
    person = subject.person
    return person.email is None if detail == "email" else not person.contact_known


_WHO = {"company": "the company", "self": "yourself"}


def _action(cr: CompiledRule, subject: Subject | None, cp: CompiledPack, derived: Derived,
            when: When | None) -> dict[str, Any]:
    """An action's fields as far as they are fixed for its rule and person, in Action's order.

    An evaluation copies it and sets the rank, score, urgency, sources and
    because-trace, and the moments when they move with the time (`when` None).
    """
    rule = cr.rule
    memo = derived.memo
    # A target is the same for every rule and pack aiming at this person (frozen, so shared).
    tkey = ("target", id(subject), rule.target)
    target = memo.get(tkey)
    if target is None:
        target = memo[tkey] = _target(rule.target, subject)
    return {
        "rank": 0,
        "rule": rule.id,
        "pack": cr.pack or cp.file.pack.name,
        "layer": cr.layer,
        "kind": rule.action,
        "avoid": rule.avoid,
        "title": cr.title(target.name or _WHO[target.kind]),
        "target": target,
        "channel": rule.channel,
        "priority": rule.priority,
        "score": 0,
        "urgency": "today",
        **_moment_fields(when or _UNSET, derived.local_tz),
        "rationale": cr.rationale,
        "sources": None,
        "because": None,
    }


def _moment_fields(when: When, local_tz: ZoneInfo | None) -> dict[str, Any]:
    due, suggested = when.due, when.suggested
    return {
        "due": due,
        "suggested_at": suggested,
        "opens": when.opens,
        "expires": when.expires,
        "due_note": when.note,
        "due_local": due.astimezone(local_tz) if local_tz is not None and due is not None else None,
        "suggested_local": suggested.astimezone(local_tz) if local_tz is not None and suggested is not None else None,
    }


def _target(kind: str, subject: Subject | None) -> Target:
    if subject is None:
        return Target._trusted({"kind": kind, "name": None, "title": None, "email": None, "role": None})
    p = subject.person
    return Target._trusted({"kind": kind, "name": p.name, "title": p.title, "email": p.email, "role": p.role})
