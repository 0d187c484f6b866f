"""What an evaluation returns: ranked, explained actions (typed, JSON-serialisable)."""

from __future__ import annotations

import functools
import os
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .catalogue import ActionKind, ChannelName, PriorityName, TargetKind
from .conditions import Because
from .slots import slot_setter

__all__ = ["Result", "Advice", "Action", "SetAside", "Target", "SourceRef", "BecauseItem", "PackRef", "Urgency",
           "public_origin"]

Urgency = Literal["overdue", "today", "upcoming"]


class Result(BaseModel):
    """Base of every result followup returns: frozen, JSON-serialisable (`.to_json()` where offered)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    @classmethod
    def _trusted(cls, values: dict[str, Any]) -> Self:
        """Build from values the engine computed itself, every field given, without validation.

        An evaluation builds dozens of these; `model_construct` costs several µs
        each (it walks every field for defaults), which alone would exceed the
        per-evaluation budget. `values` becomes the object's own dict (the
        caller hands over a fresh one), in field order as validation would
        leave it. Equality and serialisation are unaffected.
        """
        obj = _new(cls)
        _set(obj, "__dict__", values)
        # One set per class is safe to share: frozen models never mutate it and
        # model_copy copies it before updating.
        fields_set = _FIELDS_SET.get(cls)
        if fields_set is None:
            fields_set = _FIELDS_SET[cls] = set(cls.__pydantic_fields__)
        _set_fields_set(obj, fields_set)
        _set_extra(obj, None)
        _set_private(obj, None)
        return obj


_new = object.__new__  # BaseModel has no __new__ of its own
_set = object.__setattr__  # frozen models refuse their own __setattr__
_FIELDS_SET: dict[type[BaseModel], set[str]] = {}


# BaseModel's own slots, set through their descriptors (a third of _trusted's time saved)
_set_fields_set = slot_setter(BaseModel, "__pydantic_fields_set__")
_set_extra = slot_setter(BaseModel, "__pydantic_extra__")
_set_private = slot_setter(BaseModel, "__pydantic_private__")


class Target(Result):
    kind: TargetKind = Field(description="Target selector of the rule (each_interviewer, company, self, ...).")
    name: str | None = Field(default=None, description="The person's name, for a person target.")
    title: str | None = None
    email: str | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        if self.name:
            return f"{self.name}" + (f" ({self.title})" if self.title else "")
        return {"company": "the company", "self": "yourself"}.get(self.kind, self.kind)


class SourceRef(Result):
    article: str
    title: str
    items: list[str] = Field(default_factory=list)


BecauseItem = Because  # the because-trace item type; see conditions.Because


class Action(Result):
    rank: int = Field(description="1 is the most important.")
    rule: str = Field(description="Id of the rule that recommends it.")
    pack: str = Field(description="Pack the rule comes from.")
    layer: str | None = Field(default=None, description="For packs that extend others: the pack file the rule was defined or last overridden in.")
    kind: ActionKind = Field(description="Action kind from the catalogue.")
    avoid: bool = Field(description="true: advice NOT to do this now.")
    title: str = Field(description="One line saying what to do.")
    target: Target
    channel: ChannelName
    priority: PriorityName
    score: int
    urgency: Urgency
    due: datetime | None = Field(description="Deadline (for avoid advice: until when), in the company's time zone.")
    suggested_at: datetime | None = Field(default=None, description="For calls: when to call, inside the allowed call windows.")
    opens: datetime | None = Field(default=None, description="When the action became worth doing (the start of its range), if the pack says.")
    expires: datetime | None = Field(default=None, description="When it stops making sense and disappears, if the pack says.")
    due_note: str | None = Field(default=None, description="Why the due time is not the plain offset (an evening floor, a weekend or holiday).")
    due_local: datetime | None = Field(default=None, description="The due time in the candidate's own time zone, when that differs.")
    suggested_local: datetime | None = Field(default=None, description="When to call, in the candidate's own time zone, when that differs.")
    rationale: str
    sources: list[SourceRef]
    because: list[BecauseItem] | None = Field(default=None, description="The because-trace (with explain=True).")


class SetAside(Result):
    """An action left out of the list because the user marked it done, snoozed or dismissed it (see state.py)."""

    rule: str
    key: str = Field(description="rule|target: how the state file knows the action.")
    title: str
    state: Literal["done", "snoozed", "dismissed"]
    until: datetime | None = Field(default=None, description="For a snooze: when the action comes back.")
    urgency: Urgency
    due: datetime | None = None


class PackRef(Result):
    name: str
    title: str
    version: str
    origin: str = Field(description="Where the pack comes from: `built-in:FILE` or the pack file's own name; "
                                    "never a path of the machine that evaluated it.")
    # The pack file on this machine, for in-process use (the drafts channel reads a
    # pack's templates beside it); private, so it never reaches JSON, a webhook or a service response.
    _path: str | None = PrivateAttr(default=None)

    @classmethod
    def of_file(cls, name: str, title: str, version: str, origin: str) -> PackRef:
        """The reference to a pack loaded from `origin` (a file path, or a label such as `<memory>`)."""
        ref = cls(name=name, title=title, version=version, origin=public_origin(origin))
        ref._path = origin if origin.endswith((".yaml", ".yml")) else None
        return ref

    @property
    def path(self) -> str | None:
        """The pack file on this machine, when it was loaded from one (not serialised)."""
        return self._path

    def __eq__(self, other: object) -> bool:
        # Equal when what is published is equal: advice read back from JSON equals the advice sent.
        return isinstance(other, PackRef) and self.__dict__ == other.__dict__

    __hash__ = Result.__hash__


@functools.cache
def _builtin_dir() -> str:
    from .bundled import files

    return os.path.normcase(os.path.abspath(str(files("followup.policies"))))


@functools.cache
def public_origin(origin: str) -> str:
    """A pack's origin fit to leave the machine: `built-in:FILE` for the bundled packs, else the file's name."""
    if not origin.endswith((".yaml", ".yml")):
        return origin  # "<memory>", "<stdin>" ...
    folder, name = os.path.split(os.path.abspath(origin))
    return f"built-in:{name}" if os.path.normcase(folder) == _builtin_dir() else name


class Advice(Result):
    """Ranked next actions for one set of facts under one pack at one moment."""

    schema_version: Literal[1] = 1
    candidate: str
    position: str
    company: str
    timezone: str
    candidate_timezone: str | None = Field(default=None, description="The candidate's own time zone, when it differs from the company's.")
    at: datetime = Field(description="Evaluation time, in the company's time zone.")
    at_source: Literal["now", "given", "file"] = Field(
        default="given", description="Where the evaluation time came from: now, the caller (--at), or the facts "
                                     "file's `# at:` line.")
    notices: list[str] = Field(default_factory=list, description="Warnings about this evaluation (e.g. a file time "
                                                                 "days behind the clock).")
    set_aside: list[SetAside] = Field(default_factory=list, description="Actions left out because the user marked "
                                                                       "them done, snoozed or dismissed them.")
    pack: PackRef
    actions: list[Action]
    notes: list[str] = Field(default_factory=list, description="How time was counted (holidays known or not), for --explain.")

    def to_json(self, **kw: Any) -> str:
        return self.model_dump_json(indent=2, **kw)
