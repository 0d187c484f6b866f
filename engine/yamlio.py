"""Reading YAML/JSON with positions, mapping field paths to file:line:col, atomic writes.

Every file followup reads goes through :func:`load_document`, so every error
can point at a line and column, for JSON as well as YAML (JSON is read as
YAML 1.2, which it is a subset of).
"""

from __future__ import annotations

import json
import os
import re
import sys
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem
from .fastyaml import fast_load
from .limits import LIMITS, BoundedReadError, LimitExceeded, check_nodes, decode, paired, read_bounded

if TYPE_CHECKING:  # ruamel is imported when a file is not plain YAML, is wrong, or is rewritten: not to read a valid file
    from pydantic import BaseModel, ValidationError
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

__all__ = ["Document", "load_document", "read_text", "unreadable", "syntax_problem", "UNREADABLE", "problems_from_validation", "fields_at", "atomic_write", "round_trip_yaml"]


def _constructor() -> Any:
    """ruamel's round-trip constructor, leaving timestamps as text and checking the bounds first.

    pydantic parses ISO 8601 itself and insists on an offset; ruamel would
    silently turn `2026-11-17 14:00` into a naive datetime.
    """
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        from ruamel.yaml.constructor import RoundTripConstructor

        class _Constructor(RoundTripConstructor):
            def get_single_data(self) -> Any:
                # Bounds first: constructing is where an alias bomb would expand.
                node = self.composer.get_single_node()
                if node is None:
                    return None
                check_nodes(node, self._file)
                return self.construct_document(node)

            _file: str | None = None

        _Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)
        _CONSTRUCTOR = _Constructor
    return _CONSTRUCTOR


_CONSTRUCTOR: Any = None


def _ruamel_containers() -> tuple[type, ...]:
    """ruamel's mapping and list types, () while ruamel is not imported (then no data can be one)."""
    if "ruamel.yaml.comments" not in sys.modules:
        return ()
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return CommentedMap, CommentedSeq


def round_trip_yaml() -> YAML:
    """A ruamel YAML instance that keeps comments and order (for files we rewrite)."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    return y


# Problem codes meaning the file could not be read as a document at all (exit 2, not a finding in it).
UNREADABLE = frozenset({"unreadable", "syntax", "encoding", "special_file", "too_large", "too_deep", "too_big",
                        "too_many", "too_long", "recursive"})


def _reader(file: str | None = None) -> YAML:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.Constructor = type("_FileConstructor", (_constructor(),), {"_file": file})
    y.allow_duplicate_keys = False
    y.max_depth = LIMITS.depth + 2  # the composer recurses (scalars count one level); check_nodes reports the limit
    return y


@dataclass
class Document:
    """Parsed data plus the positions of its keys and items.

    Read through the fast path, `data` is plain and the positions are read
    (with ruamel) only when a problem has to be located.
    """

    data: Any
    file: str | None
    text: str | None = None
    _tree: Any = field(default=None, repr=False, compare=False)

    def _positions(self) -> Any:
        if isinstance(self.data, _ruamel_containers()) or self.text is None:
            return self.data
        if self._tree is None:
            try:
                self._tree = _reader(self.file).load(self.text)
            except Exception:  # it loaded once; if not now, positions are unknown, not an error
                self._tree = self.data
        return self._tree

    def locate(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the deepest node of `path` that exists."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        node = self._positions()
        line = col = None
        if isinstance(node, (CommentedMap, CommentedSeq)):
            line, col = 1, 1
        for part in path:
            try:
                if isinstance(node, CommentedMap) and part in node:
                    ln, cl = node.lc.key(part)
                    line, col = ln + 1, cl + 1
                    node = node[part]
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                    ln, cl = node.lc.item(part)
                    line, col = ln + 1, cl + 1
                    node = node[part]
                else:
                    break
            except (KeyError, TypeError, AttributeError):
                break
        return line, col

    def problem(self, path: Sequence[str | int], message: str, hint: str | None = None, **kw: Any) -> Problem:
        line, col = self.locate(path)
        return Problem(message=message, path=tuple(path), file=self.file, line=line, column=col, hint=hint, **kw)


class DeferredDocument(Document):
    """A document whose text is parsed only when its data or positions are first wanted.

    For a pack taken from the cache (followup.packcache): its data is not
    needed to evaluate, only to locate a problem or a rule in its file.
    """

    def __init__(self, text: str, file: str | None) -> None:
        self.file = file
        self.text = text
        self._tree = None
        self._parsed = False
        self._data: Any = None

    @property
    def data(self) -> Any:
        if not self._parsed:
            doc, _ = load_document(self.text or "", self.file)  # it read cleanly before: no problem expected
            self._data = doc.data if doc is not None else None
            self._parsed = True
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data, self._parsed = value, True


def read_text(source: str | os.PathLike[str], *, stdin: typing.IO[bytes] | None = None) -> tuple[str, str]:
    """Text of a file (or `-` for stdin) and the name to report it under.

    Bounded (see :mod:`followup.limits`): special files and files over the size
    cap are refused before reading, and text that is not UTF-8/16/32 is refused
    with the line and column of the first bad byte. Every refusal is an
    :class:`OSError` whose `problem` attribute is the located problem.
    """
    data, name = read_bounded(source, stdin=stdin)
    text, problem = decode(data, name)
    if problem is not None:
        raise BoundedReadError(problem)
    assert text is not None
    return text, name


def unreadable(exc: OSError, source: str | os.PathLike[str], what: str) -> Problem:
    """The located problem of a file that could not be read."""
    problem = getattr(exc, "problem", None)
    if isinstance(problem, Problem):
        return problem
    reason = exc.strerror or str(exc)
    hint = "check the path" if isinstance(exc, (FileNotFoundError, NotADirectoryError)) else (
        "check that you may read it" if isinstance(exc, PermissionError) else "check the path and the file")
    return Problem(message=f"cannot read {what}: {reason}", file=os.fspath(source), hint=hint, code="unreadable")


def load_document(text: str, file: str | None) -> tuple[Document | None, Problem | None]:
    """Parse YAML or JSON text; on a syntax error or a broken bound return the located problem instead.

    Every bound of :mod:`followup.limits` is checked on the composed nodes, before
    anything is constructed, so an alias bomb costs what its text costs.
    """
    try:
        data = fast_load(text, file)
    except LimitExceeded as exc:
        return None, exc.problem
    if data is not None:
        return Document(data=data, file=file, text=text), None
    from ruamel.yaml.composer import MaxDepthExceededError
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        data = _reader(file).load(text)
    except LimitExceeded as exc:
        return None, exc.problem
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        return None, Problem(message=f"lists and mappings are nested more than {LIMITS.depth} deep", file=file,
                             line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                             hint="flatten the structure; no facts file or pack needs this", code="too_deep")
    except MarkedYAMLError as exc:
        return None, syntax_problem(exc, text, file)
    except ReaderError as exc:  # a control character in the text
        line, col = _line_col(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return None, Problem(message=f"not valid YAML: the control character U+{char:04X} is not allowed in YAML text",
                             file=file, line=line, column=col, code="syntax",
                             hint="remove it; if it is meant, write it as an escape such as \\x07 inside double quotes")
    except TypeError as exc:  # e.g. `{{a}}`: a mapping used as a key
        return None, Problem(message=f"not valid YAML: a mapping or list is used as a key ({exc})", file=file,
                             hint="quote text that starts with `{` or `[`, e.g. \"{{name}}\"", code="syntax")
    except RecursionError:  # max_depth is checked while composing; this is the last guard
        return None, Problem(message="lists and mappings are nested too deeply", file=file,
                             hint="flatten the structure", code="too_deep")
    except Exception as exc:  # ruamel raises a few unmarked errors
        return None, Problem(message=f"not valid YAML: {exc}", file=file,
                             hint="check the syntax near the end of the file", code="syntax")
    return Document(data=data, file=file), None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_CONTEXT_FIRST = ("while scanning", "while parsing a flow")  # the context mark is where the mistake is


def syntax_problem(exc: MarkedYAMLError, text: str, file: str | None) -> Problem:
    """A YAML syntax error, located at the mistake rather than where the parser noticed it.

    The parser often notices a mistake on the line after (an unclosed `[`, a key
    without a colon): then its context mark, not its problem mark, is the place.
    """
    context = exc.context or ""
    problem = (exc.problem or context or "syntax error").strip()
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and context.startswith(_CONTEXT_FIRST):
        mark = exc.context_mark
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    what, hint = problem, "check the indentation and that every `key: value` pair has a space after the colon"
    if context.startswith("while parsing a flow node") and mark is not None:
        opener = _unclosed_opener(text, mark.line, mark.column)
        if opener is not None and opener[0] < mark.line:  # a `[` or `{` left open on an earlier line
            bracket, line, col = text.split("\n")[opener[0]][opener[1]], opener[0] + 1, opener[1] + 1
            closing = "]" if bracket == "[" else "}"
            return Problem(message=f"not valid YAML: the `{bracket}` here is never closed", file=file, line=line,
                           column=col, hint=f"close it with `{closing}`, or write one item per line", code="syntax")
    if "duplicate key" in problem:
        what = "a key appears twice in the same mapping"
        hint = "remove or rename one of the two entries; the second would silently replace the first"
    elif "could not find expected ':'" in problem:
        what = "this line is not a `key: value` pair (no colon after the key)"
        hint = "add `: ` after the key, or indent the line further if it continues the value above"
    elif context.startswith("while parsing a flow sequence"):
        what, hint = "the `[` here is never closed", "close it with `]`, or write one `- item` per line"
    elif context.startswith("while parsing a flow mapping"):
        what, hint = "the `{` here is never closed", "close it with `}`, or write one `key: value` per line"
    elif context.startswith("while scanning a quoted scalar"):
        what, hint = "the quote here is never closed", "end the text with the same quote it starts with"
    elif "'\\t'" in problem or "\\t" in problem:
        what, hint = "a tab is used for indentation", "indent with spaces, not tabs"
    elif "mapping values are not allowed here" in problem and line is not None:
        previous = _previous_content_line(text, line)
        if previous is not None and _COLON_NO_SPACE.search(previous[1]):
            line, col = previous[0], _COLON_NO_SPACE.search(previous[1]).start() + 2  # type: ignore[union-attr]
            what, hint = "a colon without a space after it", "write `key: value` with a space after the colon"
        else:
            what = "a `key: value` inside a value (a second colon on the line, or a line indented too far)"
            hint = "quote a value that contains `: `, and check this line's indentation against the line above"
    elif "found undefined alias" in problem:
        hint = "define the anchor (`&name`) before using `*name`, or quote text that starts with `*`"
    return Problem(message=f"not valid YAML: {what}", file=file, line=line, column=col, hint=hint, code="syntax")


_COLON_NO_SPACE = re.compile(r"^\s*(?:- )?[A-Za-z_][\w.-]*:(?=[^\s:/])")


def _unclosed_opener(text: str, line: int, column: int) -> tuple[int, int] | None:
    """(line, column), 0-based, of the innermost `[`/`{` still open at the given place (quotes and comments skipped)."""
    stack: list[tuple[int, int]] = []
    for number, content in enumerate(text.split("\n")[: line + 1]):
        quote = ""
        end = column if number == line else len(content)
        for i, ch in enumerate(content[:end]):
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"" and (i == 0 or content[i - 1] in " [{,:"):
                quote = ch
            elif ch == "#" and (i == 0 or content[i - 1] == " "):
                break
            elif ch in "[{":
                stack.append((number, i))
            elif ch in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _previous_content_line(text: str, line: int) -> tuple[int, str] | None:
    lines = text.split("\n")
    for number in range(min(line - 1, len(lines)), 0, -1):
        content = lines[number - 1]
        if content.strip() and not content.lstrip().startswith("#"):
            return number, content
    return None


def plain(data: Any) -> Any:
    """ruamel containers to plain dicts/lists (pydantic validates those fastest)."""
    if isinstance(data, dict):
        return {plain(k) if isinstance(k, str) else str(k) if not isinstance(k, int) else k: plain(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return paired(str(data))  # ScalarString subclasses -> str; escaped surrogate pairs -> one character
    if "ruamel.yaml.comments" in sys.modules:  # only ruamel's reading has tagged scalars
        from ruamel.yaml.comments import TaggedScalar

        if isinstance(data, TaggedScalar) and str(data.tag) in _TEXT_TAGS:
            return str(data.value)  # `!!str 12` and a bare `=` are text (as the fast path reads them)
    return data


_TEXT_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:value", "!!str"})


def _suggest(word: str, options: Iterable[str]) -> str | None:
    import difflib

    best = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return best[0] if best else None


def fields_at(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """The keys valid at `path` inside documents of `model` (list indexes skipped), [] if unknown."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        found = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None)
        if found is None:
            return []
        current = _model_in(found.annotation)
        if current is None:
            return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `list[Person] | None`."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def problems_from_validation(
    exc: ValidationError,
    doc: Document | None,
    *,
    prefix: Sequence[str | int] = (),
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems with a remedy each.

    `model` is the model validated: a misspelt key gets a did-you-mean from
    the keys valid at its place.
    """
    allowed_fields = (lambda path: fields_at(model, path)) if model is not None else None
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = tuple(prefix) + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        etype = err["type"]
        msg = err["msg"]
        ctx = err.get("ctx") or {}
        hint = _hint_for(etype, dict(err), path, allowed_fields)
        if etype == "extra_forbidden":
            msg = f"unknown field `{path[-1]}`"
        elif etype == "missing":
            msg = f"required field `{path[-1]}` is missing"
        elif etype == "contradiction":
            path = tuple(prefix) + tuple(ctx.get("path", ()))
        hint = ctx.get("hint") or hint  # our own validators say how to fix what they refuse
        if isinstance(ctx.get("field"), str):  # ... and which field of the mapping is at fault
            path = path + (ctx["field"],)
        if doc is not None:
            out.append(doc.problem(path, msg, hint, code=etype))
        else:
            out.append(Problem(message=msg, path=path, hint=hint, code=etype))
    return out


def _hint_for(etype: str, err: dict[str, Any], path: tuple[str | int, ...], allowed_fields: Any) -> str | None:
    if etype == "extra_forbidden":
        options = allowed_fields(path[:-1]) if allowed_fields else []
        guess = _suggest(str(path[-1]), options) if options else None
        if guess:
            return f"did you mean `{guess}`? (allowed here: {', '.join(options)})"
        if options:
            return f"remove it; allowed here: {', '.join(options)}"
        return "remove it"
    if etype == "missing":
        return f"add `{path[-1]}:` here"
    if etype in ("literal_error", "enum"):
        expected = (err.get("ctx") or {}).get("expected")
        got = err.get("input")
        if expected and isinstance(got, str):
            options = [o.strip(" '\"") for o in str(expected).replace(" or ", ", ").split(",")]
            guess = _suggest(got, options)
            if guess:
                return f"did you mean `{guess}`? (one of {expected})"
        return f"use one of {expected}" if expected else None
    if etype in ("timezone_aware", "datetime_from_date_parsing", "datetime_parsing", "datetime_type"):
        return ("write an ISO 8601 time, e.g. 2026-11-17 14:00 (read in `position.timezone`) "
                "or with its UTC offset, e.g. 2026-11-17T14:00:00+00:00")
    bound = err.get("ctx") or {}
    if etype in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        limit = next(iter(bound.values()), None)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        word = {"less_than_equal": "at most", "greater_than_equal": "at least", "less_than": "below",
                "greater_than": "above"}[etype]
        return f"use a number {word} {limit}"
    if etype in ("string_too_long", "too_long"):
        return f"shorten it to at most {bound.get('max_length')} {'characters' if etype == 'string_too_long' else 'items'}"
    if etype == "finite_number":
        return "write a finite number"
    if etype.startswith(("int", "float")):
        return "write a plain number without quotes"
    if etype.startswith("bool"):
        return "write true or false (without quotes)"
    if etype in ("string_type",):
        return "write text (quote it if it looks like a number or date)"
    if etype in ("list_type",):
        return "write a list: one `- item` per line"
    if etype in ("model_type", "dict_type", "model_attributes_type"):
        return "write a mapping of `key: value` lines here"
    return None


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write a file so a reader never sees it half-written (temp file + rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    fd, tmp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:  # mkstemp creates 0600; a new file gets the usual mode under the umask
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _temporary(target: Path) -> tuple[int, str]:
    """A new file of mode 0600 beside `target`, as tempfile.mkstemp makes it (without importing tempfile,
    shutil, bz2 and lzma into every command that saves a file)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
