"""Bounds on input from strangers: file size and type, text encoding, nesting, expansion, lengths.

A facts file or pack may come from anyone, so nothing in it may hang the
process or exhaust memory. Every bound is checked before the costly step it
guards (file size before reading, alias expansion before constructing) and
breaking one is a located :class:`~followup.errors.Problem` saying how to fix it.

The caps are far above what a real document needs: the largest documented
pack (4,096 rules) is about 2.5 MB and 150,000 nodes; a facts file is a few KB.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from .errors import Problem

__all__ = ["Limits", "LIMITS", "read_bounded", "decode", "check_nodes", "check_data", "paired"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def paired(text: str) -> str:
    """`text` with each escaped UTF-16 surrogate pair (`"\\ud83d\\ude00"`, as JSON writers escape emoji)
    made the one character it stands for; YAML reads the two halves as two code points.
    Raises UnicodeDecodeError for a lone half, which is no character at all."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 4 * 1024 * 1024
    depth: int = 64  # lists/mappings inside each other
    nodes: int = 250_000  # values in a document, every alias counted as the copy it stands for
    string_chars: int = 100_000
    items: int = 10_000  # entries of one list or mapping
    number_digits: int = 100


LIMITS = Limits()

_FIX_SIZE = "a facts file is a few KB and the largest pack a few MB: check that this is the right file"


def read_bounded(source: str | os.PathLike[str], *, stdin: IO[bytes] | None = None,
                 limits: Limits = LIMITS) -> tuple[bytes, str]:
    """The bytes of a regular file (or `-` for stdin) and the name to report it under.

    Named pipes, devices and folders are refused before anything is read (a pipe
    would block for ever, /dev/zero never ends); so is a file over the size cap.
    Raises :class:`InputTooBig` / :class:`NotAFile` (both OSError, carrying a Problem).
    """
    if str(source) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            raise InputTooBig(Problem(f"the input is larger than {_size(limits.file_bytes)}", file="<stdin>",
                                      hint=_FIX_SIZE, code="too_large"))
        return data, "<stdin>"
    name = os.fspath(source)
    # O_NONBLOCK: opening a named pipe must not wait for a writer; the type is checked on the open file.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a named pipe" if stat.S_ISFIFO(info.st_mode)
                    else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                    else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
            raise NotAFile(Problem(f"this is {kind}, not a file", file=name, code="special_file",
                                   hint="give a YAML or JSON file; to read from a pipe, use `-` and redirect it to stdin"))
        if info.st_size > limits.file_bytes:
            raise InputTooBig(Problem(f"the file is {_size(info.st_size)}, more than the {_size(limits.file_bytes)} allowed",
                                      file=name, hint=_FIX_SIZE, code="too_large"))
        chunks = []
        left = limits.file_bytes + 1  # a file growing while read is still capped
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limits.file_bytes:
        raise InputTooBig(Problem(f"the file is more than the {_size(limits.file_bytes)} allowed", file=name,
                                  hint=_FIX_SIZE, code="too_large"))
    return data, name


class BoundedReadError(OSError):
    """Reading was refused on purpose; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class InputTooBig(BoundedReadError):
    pass


class NotAFile(BoundedReadError):
    pass


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_FIX_ENCODING = "save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8)"


def decode(data: bytes, file: str | None) -> tuple[str | None, Problem | None]:
    """Text of a YAML/JSON file: UTF-8, or UTF-16/32 as YAML detects them (byte-order mark or the
    zero bytes of an ASCII first character); anything else is refused at the first bad byte."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom):]
            break
    else:
        if len(data) >= 4 and data[:3] == b"\0\0\0":
            encoding = "utf-32-be"
        elif len(data) >= 4 and data[1:4] == b"\0\0\0":
            encoding = "utf-32-le"
        elif len(data) >= 2 and data[0] == 0:
            encoding = "utf-16-be"
        elif len(data) >= 2 and data[1] == 0:
            encoding = "utf-16-le"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start, encoding)
        guess = ""
        if encoding == "utf-8":
            try:
                data[exc.start:exc.start + 1].decode("cp1252")
                guess = " (it looks like Latin-1 / Windows-1252 text)"
            except UnicodeDecodeError:
                pass
        return None, Problem(f"the file is not {encoding.upper().replace('-LE', '').replace('-BE', '')} text{guess}: "
                             f"byte 0x{data[exc.start]:02x} cannot be read", file=file, line=line, column=col,
                             hint=_FIX_ENCODING, code="encoding")
    if "\0" in text:
        line, col = _text_position(text, text.index("\0"))
        return None, Problem("the file contains a NUL character: it is binary, not text", file=file, line=line,
                             column=col, hint="give a YAML or JSON text file", code="encoding")
    return text, None


def _position(data: bytes, offset: int, encoding: str) -> tuple[int, int]:
    good = data[:offset].decode(encoding, errors="replace")
    return _text_position(good, len(good))


def _text_position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# --- composed YAML nodes (ruamel's or PyYAML's: both have .value, .tag, .start_mark) --------------


class LimitExceeded(Exception):
    """A bound was broken while checking a document; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def check_nodes(root: Any, file: str | None, limits: Limits = LIMITS) -> None:
    """Refuse a composed YAML document that would be too deep or too big once its aliases are expanded.

    Aliases are not copied while composing, so a few hundred bytes can stand for
    billions of values; sizes are summed per distinct node (memoised), which costs
    as much as the file, not as much as its expansion. Raises :class:`LimitExceeded`.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded node count, depth)
    active: set[int] = set()
    # Iterative post-order walk: a document nested 10,000 deep must not exhaust Python's stack.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        value = node.value
        if not isinstance(value, list):  # a scalar
            sizes[key] = (1, 0)
            _check_scalar(node, value, file, limits)
            continue
        children = _children(node)
        if not done:
            if key in active:
                raise LimitExceeded(_at(node, file, "a list or mapping contains itself (through an alias)",
                                        "an alias (`*name`) cannot refer to the list or mapping it is in", "recursive"))
            if len(children) > limits.items * (2 if _is_mapping(node) else 1):
                raise LimitExceeded(_at(node, file, f"more than {limits.items:,} entries in one list or mapping",
                                        "split the document; no facts file or pack needs this many", "too_many"))
            active.add(key)
            stack.append((node, True))
            for child in children:
                ck = id(child)
                if ck in active:
                    raise LimitExceeded(_at(child, file, "a list or mapping contains itself (through an alias)",
                                            "an alias (`*name`) cannot refer to the list or mapping it is in", "recursive"))
                if ck not in sizes:
                    stack.append((child, False))
            continue
        active.discard(key)
        count, depth = 1, 0
        for child in children:
            c, d = sizes[id(child)]
            count += c
            depth = max(depth, d + 1)
        if depth > limits.depth:
            raise LimitExceeded(_at(node, file, f"lists and mappings are nested more than {limits.depth} deep",
                                    "flatten the structure; no facts file or pack needs this", "too_deep"))
        if count > limits.nodes:
            raise LimitExceeded(_at(node, file, f"this expands to more than {limits.nodes:,} values "
                                    "(aliases count as the copies they stand for)",
                                    "write the values out instead of nesting aliases (`*name`) inside each other",
                                    "too_big"))
        sizes[key] = (count, depth)


def _is_mapping(node: Any) -> bool:
    return bool(node.value) and isinstance(node.value[0], tuple)


def _children(node: Any) -> list[Any]:
    out: list[Any] = []
    for item in node.value:
        if isinstance(item, tuple):
            out += item
        else:
            out.append(item)
    return out


def _check_scalar(node: Any, value: Any, file: str | None, limits: Limits) -> None:
    if not isinstance(value, str):
        return
    if len(value) > limits.string_chars:
        raise LimitExceeded(_at(node, file, f"a text of {len(value):,} characters (at most {limits.string_chars:,})",
                                "shorten it", "too_long"))
    try:
        paired(value)
    except UnicodeDecodeError:
        raise LimitExceeded(_at(node, file, "a text with half of a UTF-16 surrogate pair (an escape such as \\ud83d "
                                "without its partner)", "write the character itself, or both halves of the pair",
                                "encoding")) from None
    tag = str(getattr(node.tag, "value", node.tag))
    if tag.endswith((":int", ":float")) and len(value) > limits.number_digits:
        raise LimitExceeded(_at(node, file, f"a number of {len(value):,} digits (at most {limits.number_digits})",
                                "write a realistic number, or quote it if it is text", "too_long"))


def _at(node: Any, file: str | None, message: str, hint: str, code: str) -> Problem:
    mark = getattr(node, "start_mark", None)
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return Problem(message, file=file, line=line, column=col, hint=hint, code=code)


# --- Python data given through the API ----------------------------------------------------------


def check_data(data: Any, limits: Limits = LIMITS) -> Problem | None:
    """The first bound broken by plain Python data (dicts, lists, text), with its field path, or None."""
    # Every facts dict given through the API is checked: a pass that builds no paths
    # clears the usual input; the walk below runs only to locate a problem.
    if _within(data, limits):
        return None
    return _first_problem(data, limits)


def _within(data: Any, limits: Limits) -> bool:
    """True when _first_problem finds nothing; False when it may (a lone surrogate may still pair up)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    containers = (dict, list, tuple)
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > limits.nodes:
            return False
        if isinstance(value, str):
            if len(value) > limits.string_chars or _SURROGATE.search(value) is not None:
                return False
            continue
        if not isinstance(value, containers):
            continue
        if depth >= limits.depth or len(value) > limits.items:
            return False
        depth += 1
        stack.extend([(v, depth) for v in (value.values() if isinstance(value, dict) else value)])
    return True


def _first_problem(data: Any, limits: Limits) -> Problem | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    seen = 0  # a container met twice counts twice, and a circular one ends at the depth cap
    while stack:
        value, path = stack.pop()
        seen += 1
        if seen > limits.nodes:
            return Problem(f"more than {limits.nodes:,} values", path=path, hint="split the input", code="too_big")
        if isinstance(value, str):
            if _SURROGATE.search(value) is not None:
                try:
                    paired(value)
                except UnicodeDecodeError:
                    return Problem("a text with half of a UTF-16 surrogate pair, which is no character", path=path,
                                   hint="give the text as proper Unicode", code="encoding")
            if len(value) > limits.string_chars:
                return Problem(f"a text of {len(value):,} characters (at most {limits.string_chars:,})", path=path,
                               hint="shorten it", code="too_long")
            continue
        if not isinstance(value, (dict, list, tuple)):
            continue
        if len(path) >= limits.depth:
            return Problem(f"lists and mappings are nested more than {limits.depth} deep", path=path[:8],
                           hint="flatten the structure", code="too_deep")
        if len(value) > limits.items:
            return Problem(f"more than {limits.items:,} entries in one list or mapping", path=path,
                           hint="split the input", code="too_many")
        items: Sequence[tuple[Any, Any]] = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        for k, v in items:
            stack.append((v, (*path, k if isinstance(k, (str, int)) else str(k))))
    return None
