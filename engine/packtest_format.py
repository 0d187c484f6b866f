"""The pack-test file format: where test files live, what a case and an expectation say, and loading one.

A pack's tests live in a `tests` folder beside it, in a file named after the
pack: ``my-pack.yaml`` is tested by ``tests/my-pack.yaml``. A test file::

    pack: ../my-pack.yaml            # optional: name or path (default: ../<this file's name>)
    facts: ../../examples/base.yaml  # optional default for every case: a path or inline facts
    at: 2026-11-17T16:00             # optional default time (no offset: the company's time zone)
    cases:
      - name: thank everyone the same evening
        with:                          # optional changes merged into the facts
          interview: {notes_taken: true}
        at: 2026-11-17T16:00
        expect:
          - present: thank-interviewers                 # a rule id ...
          - present: {kind: thank_you, target: Dana Lee} # ... or rule/kind/target/channel/avoid
          - absent: write-notes
          - first: thank-interviewers
          - before: [thank-interviewers, keep-searching]
          - due_by: {action: thank-interviewers, time: 2026-11-17T19:00}
          - cites: {action: thank-interviewers, article: tiptopjob, items: [T2]}
          - why_not: {rule: email-status-after-a-week, because: [days_since_interview]}  # see whynot_expect.py

A case passes when every expectation holds. Coverage counts the rules of
the pack's own file (rules it defines or overrides) that no case fired.
Problems in a test file are located errors (:class:`TestFileError`), like
problems in a pack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .catalogue import ActionKind, ChannelName
from .errors import InputError, Problem
from .results import Action
from .whynot_expect import WhyNotExpect
from .yamlio import Document, load_document, plain, problems_from_validation, read_text, unreadable

__all__ = ["TestFile", "Case", "Expectation", "Selector", "DueBy", "Cites", "TestFileError", "TESTS_FOLDER",
           "load_test_file", "tests_for_pack", "fail"]

TESTS_FOLDER = "tests"


class TestFileError(InputError):
    """A pack test file is unreadable or invalid."""

    __test__ = False  # not a pytest class
    kind = "pack test file"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Selector(_Model):
    """Which actions an expectation is about; every field given must match."""

    rule: str | None = Field(default=None, description="Id of the rule that recommends it.")
    kind: ActionKind | None = Field(default=None, description="Action kind.")
    target: str | None = Field(default=None, description="A person's name, or a target kind such as company or self.")
    channel: ChannelName | None = None
    avoid: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, value: Any) -> Any:
        return {"rule": value} if isinstance(value, str) else value

    def text(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_none=True).items()]
        if self.rule is not None and parts == [f"rule={self.rule}"]:
            return self.rule
        return "{" + ", ".join(parts) + "}"

    def matches(self, a: Action) -> bool:
        if self.rule is not None and a.rule != self.rule:
            return False
        if self.kind is not None and a.kind != self.kind:
            return False
        if self.channel is not None and a.channel != self.channel:
            return False
        if self.avoid is not None and a.avoid != self.avoid:
            return False
        if self.target is not None:
            want = self.target.casefold()
            if want != a.target.kind and (a.target.name or "").casefold() != want:
                return False
        return True


class DueBy(_Model):
    action: Selector
    time: str = Field(description="ISO 8601 time; without an offset, the company's time zone.")


class Cites(_Model):
    action: Selector
    article: str
    items: list[str] = Field(default_factory=list)


class Expectation(_Model):
    """Exactly one of these keys."""

    present: Selector | None = Field(default=None, description="Some action matches.")
    absent: Selector | None = Field(default=None, description="No action matches.")
    first: Selector | None = Field(default=None, description="The action ranked first matches.")
    before: list[Selector] | None = Field(default=None, description="[A, B]: A is ranked above B (both present).")
    due_by: DueBy | None = Field(default=None, description="A matching action is due at or before `time`.")
    cites: Cites | None = Field(default=None, description="A matching action cites the article (and items).")
    why_not: WhyNotExpect | None = Field(default=None, description="The rule does NOT fire, optionally for a reason "
                                                                   "(see docs/authoring.md).")

    @model_validator(mode="after")
    def _one(self) -> Expectation:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError("expectation", "an expectation has exactly one of present, absent, first, before, "
                                      "due_by, cites, why_not{given}", {"given": f" (got {', '.join(given)})" if given else ""})
        if self.before is not None and len(self.before) != 2:
            raise PydanticCustomError("expectation", "`before` takes two actions: [ranked higher, ranked lower]", {})
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)


FactsSpec = str | dict[str, Any] | None


class Case(_Model):
    name: str = Field(min_length=1, description="What the case checks, in a few words.")
    facts: FactsSpec = Field(default=None, description="Facts file (relative to the test file) or inline facts; default: the file's.")
    with_: dict[str, Any] | None = Field(default=None, alias="with", description="Changes merged into the facts (mappings merge, lists are replaced).")
    at: str | None = Field(default=None, description="Evaluation time; default: the file's `at`.")
    expect: list[Expectation] = Field(min_length=1)


class TestFile(_Model):
    __test__ = False

    pack: str | None = Field(default=None, description="Pack under test: name or path relative to this file (default: ../<file name>).")
    facts: FactsSpec = None
    at: str | None = None
    cases: list[Case] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _unique(cls, value: list[Case]) -> list[Case]:
        names = [c.name for c in value]
        for n in names:
            if names.count(n) > 1:
                raise PydanticCustomError("case_name", "two cases are named `{name}`: give each its own name", {"name": n})
        return value


def tests_for_pack(pack_path: Path) -> Path:
    """Where the tests of the pack at `pack_path` live."""
    return pack_path.parent / TESTS_FOLDER / pack_path.name


def fail(problems: list[Problem] | Problem, file: str) -> TestFileError:
    return TestFileError(problems, source=file)


def load_test_file(path: Path) -> tuple[TestFile, Document]:
    try:
        text, name = read_text(path)
    except OSError as exc:
        raise fail(unreadable(exc, path, "the test file"), str(path)) from None
    doc, problem = load_document(text, name)
    if problem is not None:
        raise fail(problem, name)
    assert doc is not None
    data = plain(doc.data)
    if not isinstance(data, dict):
        raise fail(doc.problem((), "a test file is a mapping with `cases:`", "see docs/authoring.md", code="not_a_test"), name)
    try:
        return TestFile.model_validate_json(json.dumps(data, ensure_ascii=False)), doc
    except ValidationError as exc:
        raise fail(problems_from_validation(exc, doc, model=TestFile), name) from None
