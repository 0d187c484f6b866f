"""Starting a case: a commented facts file from a few answers, or a copy of a bundled example.

The file is written as text (not dumped), so it reads like the examples:
one comment per section saying what the values mean and how to record what
happens next. It is validated before it is written, and never carries a
`# at:` line: a new case is evaluated at now.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from .errors import InputError, Problem
from .facts import Position, facts_from_text
from .yamlio import atomic_write

__all__ = ["Person", "CaseAnswers", "case_text", "write_case", "examples", "example_text", "copy_example",
           "parse_person", "local_zone", "zone_country", "InitError"]

ROLES = ("hiring_manager", "interviewer", "recruiter", "coordinator")


class InitError(InputError):
    """A case that cannot be started as asked (a file in the way, an unknown example)."""


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None = None
    email: str | None = None
    role: str = "interviewer"


@dataclass(frozen=True)
class CaseAnswers:
    """What `followup init` asks. Times are aware (the company's zone)."""

    candidate: str
    company: str
    title: str
    timezone: str
    start: datetime
    end: datetime
    interviewers: tuple[Person, ...]
    arrangers: tuple[Person, ...] = ()
    candidate_email: str | None = None
    industry: str = "other"
    culture: str = "casual"
    country: str | None = None
    format: str = "onsite"
    went: str = "well"
    pack: str | None = None


def parse_person(text: str, default_role: str = "interviewer") -> Person:
    """`"Dana Lee, Engineering Manager, dana@x.example, hiring_manager"`: the name first, then in any order
    an address (has @), a role (one of ROLES) and a title (anything else)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InitError(Problem(f"{text!r} gives no name", hint='write "NAME[, TITLE][, EMAIL][, ROLE]"', code="person"))
    name, title, email, role = parts[0], None, None, default_role
    for part in parts[1:]:
        if "@" in part:
            email = part
        elif part.lower().replace(" ", "_").replace("-", "_") in ROLES:
            role = part.lower().replace(" ", "_").replace("-", "_")
        elif title is None:
            title = part
        else:
            raise InitError(Problem(f"{text!r}: {part!r} is neither an address, a role nor the only title",
                                    hint=f'write "NAME, TITLE, EMAIL, ROLE" (roles: {", ".join(ROLES)}); '
                                         "a title with a comma cannot be given here: edit the file after",
                                    code="person"))
    return Person(name, title, email, role)


def _q(value: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted."""
    if re.fullmatch(r"[A-Za-z][\w .'&()/@+-]*", value) and not value.endswith(" ") and \
            value.lower() not in ("yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _person_lines(p: Person, known: bool) -> list[str]:
    lines = [f"  - name: {_q(p.name)}"]
    if p.title:
        lines.append(f"    title: {_q(p.title)}")
    if p.email:
        lines.append(f"    email: {_q(p.email)}")
    lines.append(f"    role: {p.role}")
    lines.append(f"    contact_known: {'true' if known else 'false'}   # do you have their card / full details?")
    return lines


def case_text(a: CaseAnswers) -> str:
    """The commented facts file for `a` (validated: a FactsError says what to change)."""
    lines = [
        f"# {a.title} at {a.company}: interview {a.start:%a %d %b %Y %H:%M}-{a.end:%H:%M} ({a.timezone}).",
        "# Written by `followup init`. Times without a UTC offset are read in position.timezone.",
        "# See what to do next:     followup advise THIS-FILE",
        "# Record what you did:     followup record THIS-FILE thanked NAME --by email",
        "#                          followup record THIS-FILE response offer|rejection|update|second-round",
        "# Every field: docs/facts.md, or `followup schema facts`.",
    ]
    if a.pack:
        lines.append(f"# pack: {a.pack}")
    lines += [
        "candidate:",
        f"  name: {_q(a.candidate)}",
    ]
    if a.candidate_email:
        lines.append(f"  email: {_q(a.candidate_email)}")
    lines += [
        "position:",
        f"  title: {_q(a.title)}",
        f"  company: {_q(a.company)}",
        f"  industry: {a.industry}   # technology selects tech-specific advice",
        f"  culture: {a.culture}   # formal or casual: shapes how formal the follow-up is",
        f"  timezone: {a.timezone}   # due times are given in it",
    ]
    if a.country and "country" in Position.model_fields:
        lines.append(f"  country: {a.country}   # public holidays are skipped when counting business days")
    elif a.country:  # kept for when this installation learns public holidays
        lines.append(f"  # country: {a.country}   (public holidays: not read by this version of followup)")
    lines += [
        "interview:",
        f"  start: {a.start.isoformat()}",
        f"  end: {a.end.isoformat()}",
        f"  format: {a.format}   # onsite, video or phone",
        "  round: 1",
        f"  went: {a.went}   # well, mixed or badly",
        "  still_interested: true",
        "  notes_taken: false   # `followup record THIS-FILE notes` once you have written them",
        "interviewers:   # everyone who interviewed you, names spelt as they spell them",
    ]
    for p in a.interviewers:
        lines += _person_lines(p, known=bool(p.email))
    if a.arrangers:
        lines.append("arrangers:   # who set the interview up (recruiter, coordinator)")
        for p in a.arrangers:
            lines += _person_lines(p, known=bool(p.email))
    lines += [
        "decision:",
        "  asked: false   # did you ask when they will decide? `followup record THIS-FILE decision --by DATE`",
    ]
    text = "\n".join(lines) + "\n"
    facts_from_text(text, "the new facts file")  # refuse to write what would not load
    return text


def write_case(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    target = Path(path)
    if target.exists() and not force:
        raise InitError(Problem(f"{target} already exists", file=str(target),
                                hint="choose another name with -o, or pass --force to overwrite", code="exists"))
    atomic_write(target, text)
    return target


# --- bundled examples ----------------------------------------------------------------

def _examples_root() -> Path:
    return Path(str(resources.files("followup.examples")))


def examples() -> dict[str, str]:
    """Bundled examples by name: the first comment line of each, describing the case."""
    out: dict[str, str] = {}
    for p in sorted(_examples_root().iterdir()):
        if p.suffix in (".yaml", ".yml", ".json") and p.is_file():
            out[p.stem] = _summary(p.read_text(encoding="utf-8"))
    return out


def _summary(text: str) -> str:
    """The first sentence of a file's leading comment (for JSON: the position)."""
    words: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if not re.match(r"^(at|pack|try):", body, re.I):
            words.append(body)
    prose = " ".join(words)
    if prose:
        m = re.match(r"^(.+?[.;:])(\s|$)", prose)
        return m.group(1).rstrip(";:") if m else prose
    try:
        import json

        data = json.loads(text)
        return f"{data['position']['title']} at {data['position']['company']} (JSON)"
    except (ValueError, KeyError, TypeError):
        return ""


def example_text(name: str) -> tuple[str, str]:
    """The text of the bundled example `name` and its file suffix."""
    import difflib

    known = examples()
    if name not in known:
        guess = difflib.get_close_matches(name, list(known), n=1)
        hint = (f"did you mean {guess[0]}? " if guess else "") + f"examples: {', '.join(known)}"
        raise InitError(Problem(f"no bundled example {name!r}", hint=hint, code="example"))
    for suffix in (".yaml", ".yml", ".json"):
        p = _examples_root() / f"{name}{suffix}"
        if p.is_file():
            return p.read_text(encoding="utf-8"), suffix
    raise AssertionError(name)  # examples() listed it


def copy_example(name: str, dest: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """Copy a bundled example to `dest` (default: NAME.yaml here); it keeps its `# at:` moment."""
    text, suffix = example_text(name)
    return write_case(dest or f"{name}{suffix}", text, force=force)


# --- defaults --------------------------------------------------------------------------

def local_zone() -> str:
    """The IANA name of this machine's time zone, UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if "/" in tz:
        return tz
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip() or "UTC"
    except OSError:
        return "UTC"


def zone_country(zone: str) -> str | None:
    """The ISO country code of an IANA zone, from the system's zone table (None when not found)."""
    for table in ("/usr/share/zoneinfo/zone1970.tab", "/usr/share/zoneinfo/zone.tab"):
        try:
            text = Path(table).read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            cols = line.split("\t")
            if len(cols) >= 3 and not line.startswith("#") and cols[2] == zone:
                return cols[0].split(",")[0]
    return None

