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
import re
from typing import Any

from .limits import LIMITS, check_nodes, paired

__all__ = ["AVAILABLE", "fast_load"]

try:  # PyYAML is a dependency, but a platform without its compiled part gets the ruamel path only
    import yaml  # type: ignore[import-untyped]
    from yaml.cyaml import CParser  # type: ignore[import-untyped]

    AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))
except ImportError:  # pragma: no cover - depends on the platform's wheel
    AVAILABLE = False

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


if AVAILABLE:

    class _Resolver(yaml.resolver.BaseResolver):  # type: ignore[misc]
        """Implicit types exactly as ruamel resolves them in YAML 1.2 (its own table, not a copy)."""

    for _tag, _pattern, _first in YAML12_RESOLVERS:
        _Resolver.add_implicit_resolver(_tag, re.compile(_pattern, YAML12_FLAGS), list(_first))

    class _Loader(CParser, _Resolver):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Resolver.__init__(self)


def fast_load(text: str, file: str | None) -> Any:
    """The data of `text` if it is valid plain YAML within the bounds, else None (read it with ruamel).

    Raises :class:`~followup.limits.LimitExceeded` when a bound is broken: the
    composed nodes are located, so no second reading is needed for that.
    """
    if not AVAILABLE or "%YAML" in text or "\t" in text or _SPECIAL.search(text):
        # libyaml accepts tabs, and anchor names, in places ruamel refuses: files with tabs, anchors,
        # aliases or tags are rare enough that ruamel, the reference, reads every one of them
        return None
    loader = _Loader(text)
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
        return _construct(root)
    except _Unsupported:
        return None
    finally:
        loader.dispose()


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
