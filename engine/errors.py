"""The exceptions followup raises; catch :class:`FollowupError` for all of them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Problem",
    "FollowupError",
    "InputError",
    "FactsError",
    "PackError",
    "PackNotFound",
    "QuestionError",
    "PluginError",
    "ChannelError",
]


@dataclass(frozen=True)
class Problem:
    """One located problem in an input: where, what, and how to fix it."""

    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None
    severity: str = "error"
    code: str = "invalid"

    @property
    def where(self) -> str:
        """`file:line:col` when known, else the dotted field path."""
        dotted = ".".join(str(p) for p in self.path)
        if self.file and self.line:
            loc = f"{self.file}:{self.line}:{self.column or 1}"
            return f"{loc} ({dotted})" if dotted else loc
        if self.file:
            return f"{self.file} ({dotted})" if dotted else self.file
        return dotted or "<input>"

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": ".".join(str(p) for p in self.path),
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
            "code": self.code,
        }


class FollowupError(Exception):
    """Base class of every error followup raises on purpose."""


class InputError(FollowupError):
    """An input (facts or pack) is unreadable or invalid; carries every problem found."""

    kind = "input"

    def __init__(self, problems: list[Problem] | Problem, *, source: str | None = None) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.kind}"
        if self.source:
            head += f" ({self.source})"
        return head + ":\n" + "\n".join(str(p) for p in self.problems)


class FactsError(InputError):
    """Interview facts failed validation or contradict each other."""

    kind = "interview facts"


class PackError(InputError):
    """A policy pack is unreadable, invalid, or refers to something that does not exist."""

    kind = "policy pack"


class QuestionError(InputError):
    """A --why-not / --what-if question names nothing the pack or the facts know."""

    kind = "question"


class PackNotFound(FollowupError):
    """No pack of that name or path could be found."""


class PluginError(FollowupError):
    """A plugin failed to load or implements a hook that does not exist."""


class EngineUnavailable(FollowupError):
    """durable-rules' C module is missing or was built for another Python; the message says how to reinstall it."""


class ChannelError(FollowupError):
    """A channel could not deliver; the reason says why."""
