"""Reading YAML/JSON with positions, mapping field paths to file:line:col, atomic writes.

Every file followup reads goes through :func:`load_document`, so every error
can point at a line and column, for JSON as well as YAML (JSON is read as
YAML 1.2, which it is a subset of).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from .errors import Problem

__all__ = ["Document", "load_document", "read_text", "problems_from_validation", "fields_at", "atomic_write", "round_trip_yaml"]


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as text.

    pydantic parses ISO 8601 itself and insists on an offset; ruamel would
    silently turn `2026-11-17 14:00` into a naive datetime.
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def round_trip_yaml() -> YAML:
    """A ruamel YAML instance that keeps comments and order (for files we rewrite)."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _reader() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


@dataclass
class Document:
    """Parsed data plus the positions of its keys and items."""

    data: Any
    file: str | None

    def locate(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the deepest node of `path` that exists."""
        node = self.data
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


def read_text(source: str | os.PathLike[str], *, stdin: io.TextIOBase | None = None) -> tuple[str, str]:
    """Text of a file (or `-` for stdin) and the name to report it under."""
    if str(source) == "-":
        import sys

        stream = stdin or sys.stdin
        return stream.read(), "<stdin>"
    path = Path(source)
    return path.read_text(encoding="utf-8"), str(path)


def load_document(text: str, file: str | None) -> tuple[Document | None, Problem | None]:
    """Parse YAML or JSON text; on a syntax error return the located problem instead."""
    try:
        data = _reader().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = (exc.problem or exc.context or "syntax error").strip()
        hint = "check the indentation and that every `key: value` pair has a space after the colon"
        if "duplicate key" in str(exc):
            what = "a key appears twice in the same mapping"
            hint = "remove or rename one of the two entries; the second would silently replace the first"
        return None, Problem(message=f"not valid YAML: {what}", file=file, line=line, column=col, hint=hint, code="syntax")
    except TypeError as exc:  # e.g. `{{a}}`: a mapping used as a key
        return None, Problem(message=f"not valid YAML: a mapping or list is used as a key ({exc})", file=file,
                             hint="quote text that starts with `{` or `[`, e.g. \"{{name}}\"", code="syntax")
    except Exception as exc:  # ruamel raises a few unmarked errors (bad unicode, tabs)
        return None, Problem(message=f"not valid YAML: {exc}", file=file, hint="save the file as UTF-8 text", code="syntax")
    return Document(data=data, file=file), None


def plain(data: Any) -> Any:
    """ruamel containers to plain dicts/lists (pydantic validates those fastest)."""
    if isinstance(data, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return str(data)  # ScalarString subclasses -> str
    return data


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
        hint = _hint_for(etype, dict(err), path, allowed_fields)
        if etype == "extra_forbidden":
            msg = f"unknown field `{path[-1]}`"
        elif etype == "missing":
            msg = f"required field `{path[-1]}` is missing"
        elif etype == "contradiction":
            ctx = err.get("ctx") or {}
            path = tuple(prefix) + tuple(ctx.get("path", ()))
            hint = ctx.get("hint") or hint
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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
