"""The fast way to read a valid YAML file: libyaml (through PyYAML's C parser) with YAML 1.2 meanings.

ruamel's round-trip loader is pure Python; on the same files libyaml reads
12-17x faster (benchmarks/yaml_load.py). It is used only to get the data of a
file that is valid: on any error, or anything beyond plain data (tags,
merge keys, a `%YAML` directive), :func:`fast_load` returns None and the
caller reads the file with ruamel, which locates the error at file:line:col.
Positions for later validation errors come from ruamel too, read only then.

The data must be what ruamel gives: values are resolved with ruamel's own
YAML 1.2 rules (its table, written out here and checked against ruamel's by the tests) (so `no`, `on` and `010` mean what they mean there), times are
kept as text, duplicate keys are refused. The bounds of :mod:`followup.limits`
are checked on the composed nodes before anything is constructed, exactly as
on the ruamel path; libyaml itself stops at 1,000 levels of nesting.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from .limits import LIMITS, check_nodes, paired

__all__ = ["fast_load"]  # and AVAILABLE (see __getattr__)

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                         "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", _STR})

# ruamel's YAML 1.2 implicit resolvers for those tags (ruamel.yaml.resolver.implicit_resolvers), written
# out so that reading a valid file does not import ruamel; tests/test_yamlio.py checks they are ruamel's own.
YAML12_RESOLVERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tag:yaml.org,2002:bool", "^(?:true|True|TRUE|false|False|FALSE)$", tuple("tTfF")),
    ("tag:yaml.org,2002:float", "^(?:\n         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?\n"
     "        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)\n        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?\n"
     "        |[-+]?\\.(?:inf|Inf|INF)\n        |\\.(?:nan|NaN|NAN))$", tuple("-+0123456789.")),
    ("tag:yaml.org,2002:int", "^(?:[-+]?0b[0-1_]+\n        |[-+]?0o?[0-7_]+\n        |[-+]?[0-9_]+\n"
     "        |[-+]?0x[0-9a-fA-F_]+)$", tuple("-+0123456789")),
    ("tag:yaml.org,2002:null", "^(?: ~\n        |null|Null|NULL\n        | )$", ("~", "n", "N", "")),
    ("tag:yaml.org,2002:timestamp", "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\n"
     "        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?\n        (?:[Tt]|[ \\t]+)[0-9][0-9]?\n"
     "        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?\n        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
     tuple("0123456789")),
)
YAML12_FLAGS = re.X | re.U


_SPECIAL = re.compile(r"(?:^|[\s\[{,])[&*!][^\s]")  # an anchor, alias or tag


class _Unsupported(Exception):
    """Not plain data (or not valid): let ruamel read it."""


_LOADER: Any = None  # the libyaml loader class, made when first needed: False when libyaml is missing


def _loader_class() -> Any:
    """PyYAML's C parser with ruamel's YAML 1.2 resolvers; imported on first use (a facts file read before,
    and plain values, need no YAML library at all)."""
    global _LOADER
    if _LOADER is None:
        try:  # PyYAML is a dependency, but a platform without its compiled part gets the ruamel path only
            import yaml  # type: ignore[import-untyped]
            from yaml.cyaml import CParser  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - depends on the platform's wheel
            _LOADER = False
            return _LOADER
        if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover - as above
            _LOADER = False
            return _LOADER

        class _Resolver(yaml.resolver.BaseResolver):  # type: ignore[misc]
            """Implicit types exactly as ruamel resolves them in YAML 1.2 (its own table, not a copy)."""

        for tag, pattern, first in YAML12_RESOLVERS:
            _Resolver.add_implicit_resolver(tag, re.compile(pattern, YAML12_FLAGS), list(first))

        class _Loader(CParser, _Resolver):  # type: ignore[misc]
            def __init__(self, text: str) -> None:
                CParser.__init__(self, text)
                _Resolver.__init__(self)

        _LOADER = _Loader
    return _LOADER


def __getattr__(name: str) -> Any:
    if name == "AVAILABLE":  # whether libyaml can be used: asking imports PyYAML
        return bool(_loader_class())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# A value such as `true`, `2026-11-24`, `GB` or `a@b.example` (what --what-if and the needs-info hint read):
# one plain scalar, no indicator, space or comment, resolved with the same table as libyaml's result.
_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+@/:-]{0,63}")
_RESOLVERS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = []


def _plain_scalar(text: str) -> tuple[bool, Any]:
    if not _PLAIN_SCALAR.fullmatch(text) or text.endswith(":"):  # `a:` is a mapping
        return False, None
    if not _RESOLVERS:
        _RESOLVERS.extend((tag, re.compile(pattern, YAML12_FLAGS), first) for tag, pattern, first in YAML12_RESOLVERS)
    tag = next((t for t, regex, first in _RESOLVERS if text[0] in first and regex.match(text)), _STR)
    if tag.endswith((":int", ":float")) and len(text) > LIMITS.number_digits:
        return False, None  # the full reading reports it, located
    return True, _scalar(tag, text, None)


def fast_load(text: str, file: str | None) -> Any:
    """The data of `text` if it is valid plain YAML within the bounds, else None (read it with ruamel).

    Raises :class:`~followup.limits.LimitExceeded` when a bound is broken: the
    composed nodes are located, so no second reading is needed for that.
    """
    if "%YAML" in text or "\t" in text or _SPECIAL.search(text):
        # libyaml accepts tabs, and anchor names, in places ruamel refuses: files with tabs, anchors,
        # aliases or tags are rare enough that ruamel, the reference, reads every one of them
        return None
    simple, value = _plain_scalar(text)
    if simple:
        return value
    key = _cache_key(file)
    digest = ""
    if key is not None:
        from . import usercache

        digest = usercache.file_digest(text.encode("utf-8", "surrogatepass"))
        entry = usercache.read_entry(_KIND, key)
        if isinstance(entry, dict) and entry.get("digest") == digest and "data" in entry:
            return entry["data"]
    loader_class = _loader_class()
    if not loader_class:
        return None
    import yaml

    loader = loader_class(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            if "maximum nesting depth" in str(exc):  # ruamel would take seconds to get this far
                _too_deep(exc, file)
            return None
        if root is None:
            return None
        check_nodes(root, file, LIMITS)
        data = _construct(root)
    except _Unsupported:
        return None
    finally:
        loader.dispose()
    if key is not None:
        _remember(key, digest, data)
    return data


# --- the data of files read before --------------------------------------------------------------
#
# A facts file is read by every command, usually unchanged since the last one. Its data (plain
# JSON values, within the bounds, as read above) is kept in the cache folder by the file's path
# and used while the text has the same content hash: the next reading needs no YAML library.

_KIND = "yaml"
_CACHED_CHARS = 1_000_000  # larger files are read every time (and hardly ever met)


def _cache_key(file: str | None) -> str | None:
    if not file or file == "-" or file.startswith("<"):
        return None
    from .version import __version__

    here = os.path.dirname(os.path.abspath(__file__))
    stamps = []
    for module in ("fastyaml.py", "limits.py"):  # a changed reading in a source checkout rebuilds entries
        try:
            st = os.stat(os.path.join(here, module))
            stamps.append(f"{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            stamps.append("-")
    where = os.path.abspath(file) if os.path.isfile(file) else file
    return "\0".join([__version__, *stamps, where])


def _remember(key: str, digest: str, data: Any) -> None:
    import orjson

    try:
        if orjson.loads(orjson.dumps(data)) != data:  # NaN, infinities: not JSON values
            return
    except TypeError:  # keys that are not text, integers beyond 64 bits, lone surrogates
        return
    from . import usercache

    usercache.write_entry(_KIND, key, {"digest": digest, "data": data})


def _too_deep(exc: Any, file: str | None) -> None:
    from .errors import Problem
    from .limits import LimitExceeded

    mark = getattr(exc, "problem_mark", None)
    raise LimitExceeded(Problem(f"lists and mappings are nested more than {LIMITS.depth} deep", file=file,
                                line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                                hint="flatten the structure; no facts file or pack needs this", code="too_deep"))


def _construct(root: Any) -> Any:
    """Plain dicts, lists and scalars from the composed nodes (aliases shared, as ruamel shares them).

    Recursive, which is safe: check_nodes has bounded the depth.
    """
    import yaml

    done: dict[int, Any] = {}

    def build(node: Any) -> Any:
        key = id(node)
        if key in done:
            return done[key]
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            value = _scalar(tag, node.value, node.style)
        elif isinstance(node, yaml.SequenceNode):
            if tag != "tag:yaml.org,2002:seq":
                raise _Unsupported(tag)
            value = [build(item) for item in node.value]
        else:
            if tag != "tag:yaml.org,2002:map":
                raise _Unsupported(tag)
            value = {}
            for k_node, v_node in node.value:
                k = build(k_node)
                if isinstance(k, (dict, list)) or k_node.tag == "tag:yaml.org,2002:merge":
                    raise _Unsupported("complex or merge key")
                k = k if isinstance(k, (str, int)) else str(k)  # as yamlio.plain does
                if k in value:
                    raise _Unsupported("duplicate key")  # ruamel reports it at its line
                value[k] = build(v_node)
        done[key] = value
        return value

    return build(root)


def _scalar(tag: str, text: str, style: str | None) -> Any:
    if tag in (_STR, "tag:yaml.org,2002:timestamp"):  # times stay text: pydantic insists on an offset
        return paired(text)
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text in ("true", "True", "TRUE")
    if tag == "tag:yaml.org,2002:int":
        return _int(text)
    if tag == "tag:yaml.org,2002:float":
        return _float(text)
    raise _Unsupported(tag)


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    if not digits:
        raise _Unsupported(text)
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)  # YAML 1.2: a leading zero is not octal


def _float(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value.startswith("-") else 1.0
    bare = value.lstrip("+-")
    if bare == ".inf":
        return sign * math.inf
    if bare == ".nan":
        return math.nan
    return float(value)
