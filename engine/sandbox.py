"""A jinja2 sandbox for templates from strangers: plain data in, bounded work and text out.

Pack templates are input from whoever wrote the pack. jinja2's
ImmutableSandboxedEnvironment stops attribute tricks, but not work: a nested
loop, ``'a' * 10**9`` or a filter asked for a width of a billion would hang
the process or exhaust memory. This environment counts every loop iteration
and call, every character emitted, caps the size of every string, list and
number an operator, filter or method can build, and stops at a deadline.
Attribute access is an allow-list: the data given to templates is plain
(dicts, lists, strings, numbers), and only side-effect-free methods of those
are reachable.

Breaking a limit, a syntax error or a reference to unknown data is a
:class:`TemplateError` naming the template file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from .errors import ChannelError, PackError, Problem
from .template_limits import (
    ACTIVE,
    Budget,
    LimitExceeded,
    Limits,
    binop,
    bounded_range,
    check_len,
    concat,
    emit,
    guard_loop,
    guarded_filters,
)

__all__ = ["Limits", "TemplateError", "BoundedEnvironment", "plain_data"]


class TemplateError(PackError, ChannelError):
    """A pack's template cannot be used: unreadable, does not compile, breaks a limit, or fails to render.

    A :class:`PackError` (the pack is at fault, located at the template's file
    and line) and a :class:`ChannelError` (so the drafts channel reports it and
    keeps the advice in the outbox).
    """

    kind = "draft template"


# Methods of the plain data types that neither change nor grow anything.
_STR_METHODS = frozenset({
    "lower", "upper", "title", "capitalize", "casefold", "swapcase", "strip", "lstrip", "rstrip", "split", "rsplit",
    "splitlines", "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "partition", "rpartition",
    "removeprefix", "removesuffix", "isalpha", "isdigit", "isspace", "isupper", "islower", "istitle", "isalnum",
    "isnumeric", "isdecimal", "isascii",
})
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_LIST_METHODS = frozenset({"index", "count"})
_JINJA_TYPES = (LoopContext, Namespace, Macro, Cycler, Joiner)
# Templates may leave these in (jinja2 internals reached through `self`, imports and blocks).
_JINJA_INTERNAL = ("TemplateReference", "TemplateModule", "BlockReference")

class _Bound(NodeTransformer):
    """Rewrites a parsed template so every loop, output and `~` goes through the budget."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _env_call("followup_loop", node.iter, node.lineno)  # type: ignore[arg-type]
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_env_call("followup_emit", child, child.lineno) for child in node.nodes]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _env_call("followup_concat", nodes.List(node.nodes, lineno=node.lineno), node.lineno)


def _env_call(attribute: str, arg: nodes.Expr, lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(attribute, lineno=lineno), [arg], [], None, None, lineno=lineno)


class _BoundedLoader(jinja2.FileSystemLoader):
    """Reads only regular files of bounded size (a FIFO or a huge file named like a template is refused)."""

    def __init__(self, searchpath: list[str], max_bytes: int) -> None:
        super().__init__(searchpath)
        self.max_bytes = max_bytes

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.searchpath:
            path = Path(folder, *jinja2.loaders.split_template_path(template))
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_file():
                raise TemplateError(Problem(f"{template} is not a regular file", file=str(path),
                                            hint="replace it with a text file", code="template"))
            if st.st_size > self.max_bytes:
                raise TemplateError(Problem(f"the template is {st.st_size:,} bytes, over the {self.max_bytes:,}-byte limit",
                                            file=str(path), hint="a draft template is a few kilobytes: shorten it",
                                            code="template-limit"))
            try:
                source = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TemplateError(Problem(f"the template is not UTF-8 text (byte {exc.start + 1})", file=str(path),
                                            hint="save it as UTF-8", code="template")) from None
            mtime = st.st_mtime_ns

            def uptodate(p: Path = path, m: int = mtime) -> bool:
                try:
                    return p.stat().st_mtime_ns == m
                except OSError:
                    return False

            return source, os.path.normpath(path), uptodate
        raise jinja2.TemplateNotFound(template)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox that renders plain data within :class:`Limits` (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def __init__(self, folders: list[Path], limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        super().__init__(
            loader=_BoundedLoader([str(d) for d in folders], self.limits.template_bytes),
            undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not a silent blank
            autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            optimized=False,  # no constant folding: nothing a template says runs at compile time
        )
        self.globals.clear()
        self.globals.update(range=bounded_range, dict=dict, namespace=Namespace, cycler=Cycler, joiner=Joiner)
        self.filters = guarded_filters(self.filters)
        self.followup_loop = guard_loop
        self.followup_emit = emit
        self.followup_concat = concat

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        _Bound().visit(source)
        return super()._generate(source, name, filename, defer_init)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, str):
            return attr in _STR_METHODS
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        if isinstance(obj, (list, tuple)):
            return attr in _LIST_METHODS
        return isinstance(obj, _JINJA_TYPES) or type(obj).__name__ in _JINJA_INTERNAL

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is not offered (the `format` filter is, bounded)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return binop(operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = ACTIVE.get()
        if budget is not None:
            budget.tick()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level is a loop too
            args = (guard_loop(args[0]), *args[1:])
        return check_len(super().call(__context, __obj, *args, **kwargs))

    def template(self, name: str) -> jinja2.Template:
        """The template called `name`, or a located :class:`TemplateError` if it cannot be compiled."""
        try:
            return self.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(Problem(f"template syntax: {exc.message}", file=exc.filename or name, line=exc.lineno,
                                        hint="fix the template (jinja2 syntax)", code="template")) from None
        except RecursionError:
            raise TemplateError(Problem("the template is nested too deeply to compile", file=name,
                                        hint="simplify the template", code="template-limit")) from None

    def render(self, template: jinja2.Template, data: Mapping[str, Any], *, what: str = "") -> str:
        """Render `template` with plain `data` within the limits; any failure is a located :class:`TemplateError`."""
        budget = Budget(self.limits)
        token = ACTIVE.set(budget)
        try:
            chunks: list[str] = []
            for chunk in template.generate(dict(data)):
                chunks.append(chunk)
            if budget.broken:  # something inside swallowed the stop; the limit still holds
                raise LimitExceeded(budget.broken)
            return "".join(chunks)
        except Exception as exc:
            raise _located(exc, template, what) from None
        finally:
            ACTIVE.reset(token)


def _located(exc: BaseException, template: jinja2.Template, what: str) -> TemplateError:
    file, line = template.filename or template.name or "<template>", None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:  # jinja2 rewrites frames of template code to the template's file and line
        code = tb.tb_frame.f_code
        if not code.co_filename.endswith(".py") and not code.co_filename.startswith("<"):
            file, line = code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    if isinstance(exc, LimitExceeded):
        message, hint, code_ = f"the template {exc}", "simplify the template; drafts are short", "template-limit"
    elif isinstance(exc, TemplateError):
        return exc
    elif isinstance(exc, jinja2.UndefinedError):
        message, hint, code_ = f"the template uses unknown data: {exc.message}", \
            "use only the names listed in docs/plugins.md (drafts)", "template-undefined"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message, hint, code_ = f"the template reaches for something it may not: {exc}", \
            "templates see plain data only; use the names in docs/plugins.md (drafts)", "template-unsafe"
    elif isinstance(exc, RecursionError):
        message, hint, code_ = "the template calls itself too deeply", "remove the recursion", "template-limit"
    else:
        message, hint, code_ = f"the template failed: {type(exc).__name__}: {exc}", "fix the template", "template"
    if what:
        message = f"{message} (rendering {what})"
    return TemplateError(Problem(message, file=file, line=line, hint=hint, code=code_))


def plain_data(value: Any) -> Any:
    """`value` as plain JSON-like data (dict/list/str/int/float/bool/None); anything else is a programming error.

    Strings lose control characters (a CR/LF in a name must not start a header line in a draft).
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _one_line(value)
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    raise TypeError(f"templates get plain data only, not {type(value).__name__}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip() if _CONTROL.search(text) else text
