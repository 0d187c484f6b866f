"""The limits of one template render, and the guarded operations that enforce them.

Used by :mod:`followup.sandbox`: every loop iteration and call ticks the active
budget, every emitted character counts, and every operator, filter or range
that could build something huge checks the size first, before allocating.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

__all__ = ["Limits", "LimitExceeded", "Budget", "ACTIVE", "guarded_filters", "binop", "concat", "bounded_range",
           "guard_loop", "emit", "check_len"]


@dataclass(frozen=True)
class Limits:
    """What one render may do. Drafts are a few kilobytes; these leave room for any honest template."""

    steps: int = 20_000  # loop iterations + calls
    output: int = 65_536  # characters emitted, including text captured by {% set %} blocks and macros
    string: int = 32_768  # characters in any one string an operator, filter or method builds
    items: int = 10_000  # elements in any one list or range built
    int_bits: int = 4_096  # size of any integer built
    seconds: float = 2.0  # wall-clock time of one render
    template_bytes: int = 262_144  # size of a template file


class LimitExceeded(Exception):
    """Raised inside a render when a limit is broken (deliberately not a TypeError/LookupError,
    which jinja2 would swallow as an undefined value)."""


class Budget:
    __slots__ = ("broken", "deadline", "limits", "output", "steps")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0
        self.output = 0
        self.broken: str | None = None

    def fail(self, why: str) -> LimitExceeded:
        self.broken = self.broken or why
        return LimitExceeded(self.broken)

    def tick(self) -> None:
        self.steps += 1
        if self.broken:
            raise LimitExceeded(self.broken)
        if self.steps > self.limits.steps:
            raise self.fail(f"runs more than {self.limits.steps:,} loop iterations and calls")
        if time.monotonic() > self.deadline:
            raise self.fail(f"takes longer than {self.limits.seconds:g} s")

    def emit(self, n: int) -> None:
        self.output += n
        if self.output > self.limits.output:
            raise self.fail(f"writes more than {self.limits.output:,} characters")


ACTIVE: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("followup_template_budget", default=None)

_FORMAT_NUMBER = re.compile(r"\d+")


def _limits() -> Limits:
    budget = ACTIVE.get()
    return budget.limits if budget is not None else Limits()


def _refuse(why: str) -> LimitExceeded:
    budget = ACTIVE.get()
    return budget.fail(why) if budget is not None else LimitExceeded(why)


def check_len(value: Any) -> Any:
    lim = _limits()
    if isinstance(value, str) and len(value) > lim.string:
        raise _refuse(f"builds a string longer than {lim.string:,} characters")
    if isinstance(value, (list, tuple)) and len(value) > lim.items:
        raise _refuse(f"builds a list of more than {lim.items:,} items")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > lim.int_bits:
        raise _refuse(f"builds a number larger than 2**{lim.int_bits}")
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 1


def _check_format(fmt: Any) -> None:
    # A width or precision in a format string is the one way `%` and `format` grow text;
    # `*` would take it from the arguments, unchecked, so it is not offered.
    if isinstance(fmt, str) and (any(len(n) > 4 for n in _FORMAT_NUMBER.findall(fmt)) or "*" in fmt):
        raise _refuse("uses a format width or precision over 9,999 (or `*`)")


def binop(op: str, left: Any, right: Any) -> Any:
    lim = _limits()
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                cap = lim.string if isinstance(seq, str) else lim.items
                if n > 0 and len(seq) * n > cap:
                    raise _refuse(f"repeats {'a string' if isinstance(seq, str) else 'a list'} beyond "
                                  f"{cap:,} {'characters' if isinstance(seq, str) else 'items'}")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > lim.int_bits:
            raise _refuse(f"builds a number larger than 2**{lim.int_bits}")
        return check_len(left * right)
    if op == "**":
        if (isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(left) > 1 and right > 0
                and right * math.log2(abs(left)) > lim.int_bits):
            raise _refuse(f"builds a number larger than 2**{lim.int_bits}")
        return check_len(left**right)
    if op == "+":
        if (isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple))
                and _size(left) + _size(right) > (lim.string if isinstance(left, str) else lim.items)):
            raise _refuse("joins values into something too long")
        return check_len(left + right)
    if op == "%":
        if isinstance(left, str):
            _check_format(left)
        return check_len(left % right)
    if op == "//":
        return left // right
    return left / right


def concat(parts: list[Any]) -> str:
    text = "".join(str(p) for p in parts)
    return str(check_len(text))


def bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > _limits().items:
        raise _refuse(f"asks for a range of more than {_limits().items:,} numbers")
    return r


def guard_loop(iterable: Any) -> Iterator[Any]:
    budget = ACTIVE.get()
    for item in iterable:
        if budget is not None:
            budget.tick()
        yield item


def emit(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    budget = ACTIVE.get()
    if budget is not None:
        budget.emit(len(text))
    return text


# --- filters: jinja2's own, vetted, with every size argument bounded ------------------------------

_SAFE_FILTERS = (
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "filesizeformat", "first", "float",
    "forceescape", "groupby", "int", "items", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "striptags", "title", "trim",
    "truncate", "unique", "upper", "urlencode", "wordcount", "wordwrap",
)


def guarded_filters(defaults: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    out = {name: defaults[name] for name in _SAFE_FILTERS}

    def width(n: Any, what: str) -> None:
        if isinstance(n, int) and n > _limits().string:
            raise _refuse(f"asks `{what}` for a width over {_limits().string:,}")

    def center(value: Any, width_: int = 80) -> str:
        width(width_, "center")
        return str(defaults["center"](value, width_))

    def indent(s: Any, width_: int | str = 4, first: bool = False, blank: bool = False) -> str:
        n = len(width_) if isinstance(width_, str) else width_
        lines = str(s).count("\n") + 1
        if isinstance(n, int) and len(str(s)) + n * lines > _limits().string:
            raise _refuse("asks `indent` for text longer than the string limit")
        return str(defaults["indent"](s, width_, first, blank))

    def replace(eval_ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
        text = str(s)
        grow = max(0, len(str(new)) - len(str(old)))
        hits = text.count(str(old)) if old else len(text) + 1
        if len(text) + grow * (hits if count is None else min(hits, max(count, 0))) > _limits().string:
            raise _refuse("asks `replace` for text longer than the string limit")
        return str(defaults["replace"](eval_ctx, s, old, new, count))

    def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
        items = list(value)
        total = sum(_size(str(x)) for x in items) + len(d) * max(len(items) - 1, 0)
        if total > _limits().string:
            raise _refuse("joins values into something longer than the string limit")
        return str(defaults["join"](eval_ctx, items, d, attribute))

    def format_(value: str, *args: Any, **kwargs: Any) -> str:
        _check_format(value)
        return str(check_len(defaults["format"](value, *args, **kwargs)))

    def batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Any:
        if linecount > _limits().items:
            raise _refuse(f"asks `batch` for more than {_limits().items:,} items")
        return defaults["batch"](value, linecount, fill_with)

    def slice_(value: Iterable[Any], slices: int, fill_with: Any = None) -> Any:
        if slices > _limits().items:
            raise _refuse(f"asks `slice` for more than {_limits().items:,} slices")
        return defaults["slice"](value, slices, fill_with)

    def sum_(environment: Any, iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
        total = start
        for x in iterable:
            total = binop("+", total, x)
        return total

    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        if indent is not None and indent > 8:
            raise _refuse("asks `tojson` for an indent over 8")
        return check_len(defaults["tojson"](eval_ctx, value, indent))

    pass_eval = jinja2.pass_eval_context
    out.update(center=center, indent=indent, replace=pass_eval(replace), join=pass_eval(join), format=format_,
               batch=batch, slice=slice_, sum=jinja2.pass_environment(sum_), tojson=pass_eval(tojson))
    return out
