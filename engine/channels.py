"""Output channels: where advice goes (`--to NAME[:ARG][,key=value...]`).

A channel is a :class:`Channel` subclass registered by a plugin through the
``followup_register_channels`` hook. The built-in ones live in
``followup.plugins`` and are registered exactly like third-party ones.
"""

from __future__ import annotations

import difflib
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

import pluggy

from .digest import Digest, action_hash, action_uid
from .errors import ChannelError, PluginError
from .facts import Facts
from .results import Advice

__all__ = [
    "Channel",
    "ChannelOptionError",
    "PermanentChannelError",
    "ChannelTarget",
    "Delivery",
    "parse_target",
    "channel_registry",
    "action_uid",
    "action_hash",
    "option_bool",
    "option_float",
    "option_int",
]

_OPTION = re.compile(r"^([a-z][a-z0-9_-]*)=(.*)$", re.S)


class ChannelOptionError(ChannelError):
    """A `--to` value names no channel or gives it options it does not take (a usage error, exit 2)."""


class PermanentChannelError(ChannelError):
    """Delivery can never succeed as the target is written: an unknown host, a refused recipient, a calendar
    followup did not write. The advice stays in the outbox, marked permanent, and is not retried automatically
    (``followup outbox retry ID`` or ``--all`` tries it again; ``followup outbox drop`` removes it)."""


@dataclass(frozen=True)
class ChannelTarget:
    """A parsed `--to` value: channel name, positional argument and key=value options."""

    name: str
    arg: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> str:
        """The canonical text of this target (options sorted), as written back to the outbox."""
        parts = [self.name + (f":{self.arg}" if self.arg is not None else "")]
        parts += [f"{k}={v}" for k, v in sorted(self.options.items())]
        return ",".join(parts)

    def __str__(self) -> str:
        return self.spec


def parse_target(text: str) -> ChannelTarget:
    """Parse ``NAME[:ARG][,key=value...]``.

    ARG is everything after the first colon up to the first ``,key=value``
    segment, so URLs (``webhook:http://host:8080/x?a=b``) need no quoting.
    """
    text = text.strip()
    name, sep, rest = text.partition(":")
    if not sep:
        name, _, rest = text.partition(",")
        rest = ("," + rest) if rest else ""
    name = name.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise ChannelOptionError(f"--to {text!r}: {name!r} is not a channel name; "
                                 "write NAME[:ARG][,key=value...], e.g. ics:advice.ics or webhook:https://host/hook")
    arg_parts: list[str] = []
    options: dict[str, str] = {}
    for segment in rest.split(",") if rest else []:
        m = _OPTION.match(segment.strip())
        if m:
            if m.group(1) in options:
                raise ChannelOptionError(f"--to {text!r}: option {m.group(1)!r} is given twice; keep one")
            options[m.group(1)] = m.group(2).strip()
        elif options:
            raise ChannelOptionError(f"--to {text!r}: {segment!r} comes after the options; "
                                     "put the argument right after NAME: and options after it as key=value")
        else:
            arg_parts.append(segment)
    arg = ",".join(arg_parts).strip() if arg_parts else None
    return ChannelTarget(name=name, arg=arg or None, options=options)


@dataclass
class Delivery:
    """What a channel is asked to deliver.

    ``advice`` is the whole advice. For a channel that ``sends`` (email,
    webhook), ``digest`` lists every open action, overdue first, marked new or
    changed since the last digest to the same place, and ``idempotency_key``
    is stable per (case, channel identity, digest revision): send it along so
    the receiver can drop a second copy. ``facts`` is None when the caller did
    not pass them (channels that need them say so with ``needs_facts``).
    """

    advice: Advice
    facts: Facts | None = None
    explain: bool = False
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    pm: pluggy.PluginManager | None = None
    # For channels that send: every open action in display order, marked new/changed since the
    # last digest to the same place, and the key a receiver can drop a second copy by.
    digest: Digest | None = None
    idempotency_key: str | None = None


class Channel(ABC):
    """Base class of output channels.

    Subclasses set ``name``, ``description``, ``arg_help`` and ``options``
    (option -> help) and implement :meth:`deliver`. The constructor gets
    the parsed target and must reject bad options with
    :class:`ChannelOptionError` (checked before anything is delivered).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    arg_help: ClassVar[str | None] = None  # what ARG means, e.g. "FILE (default: standard output)"
    arg_required: ClassVar[bool] = False
    options: ClassVar[Mapping[str, str]] = {}
    # True for channels that send messages (email, webhook): they get a digest of every open
    # action (Delivery.digest) and an idempotency key, are sent only when the digest changed
    # since the last one to the same identity, and go through the write-ahead outbox.
    sends: ClassVar[bool] = False
    needs_facts: ClassVar[bool] = False

    def __init__(self, target: ChannelTarget) -> None:
        self.target = target
        unknown = sorted(set(target.options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise ChannelOptionError(f"--to {target.spec}: channel {self.name!r} has no option {unknown[0]!r} "
                                     f"(its options: {known}); see `followup plugins`")
        if self.arg_required and not target.arg:
            raise ChannelOptionError(f"--to {target.name}: channel {self.name!r} needs {self.arg_help or 'an argument'}, "
                                     f"e.g. --to {self.name}:...")
        if target.arg and self.arg_help is None:
            raise ChannelOptionError(f"--to {target.spec}: channel {self.name!r} takes no argument after ':'; "
                                     f"write --to {self.name}")

    def identity(self, facts: Facts | None) -> str:
        """Where the advice ends up (a URL, an address, a file), whatever the options: the delivery log is
        keyed by it, so changing an option such as ``timeout=`` does not send everything again."""
        return f"{self.name}:{self.target.arg or ''}"

    def option(self, key: str, default: str | None = None) -> str | None:
        return self.target.options.get(key, default)

    @abstractmethod
    def deliver(self, delivery: Delivery) -> str:
        """Deliver; return where it went (a path, URL or address). Raise ChannelError on failure."""

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"name": cls.name, "description": cls.description, "arg": cls.arg_help, "arg_required": cls.arg_required,
                "options": dict(cls.options), "sends": cls.sends, "needs_facts": cls.needs_facts}


def option_bool(channel: Channel, key: str, default: bool) -> bool:
    raw = channel.option(key)
    if raw is None:
        return default
    if raw.lower() in {"yes", "true", "1", "on"}:
        return True
    if raw.lower() in {"no", "false", "0", "off"}:
        return False
    raise ChannelOptionError(f"--to {channel.target.spec}: {key}={raw!r} is not yes/no")


def option_float(channel: Channel, key: str, default: float, minimum: float = 0.0) -> float:
    raw = channel.option(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ChannelOptionError(f"--to {channel.target.spec}: {key}={raw!r} must be a number >= {minimum:g}")
    return value


def option_int(channel: Channel, key: str, default: int, minimum: int = 0) -> int:
    raw = channel.option(key)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ChannelOptionError(f"--to {channel.target.spec}: {key}={raw!r} must be a whole number >= {minimum}")
    return int(raw)


def option_choice(channel: Channel, key: str, choices: tuple[str, ...]) -> str:
    raw = channel.option(key, choices[0])
    assert raw is not None
    if raw not in choices:
        raise ChannelOptionError(f"--to {channel.target.spec}: {key}={raw!r} is not one of {', '.join(choices)}")
    return raw


def channel_registry(pm: pluggy.PluginManager) -> dict[str, tuple[type[Channel], str]]:
    """Channels by name, with the plugin that registered each; a name registered twice is a PluginError."""
    found: dict[str, tuple[type[Channel], str]] = {}
    for impl in reversed(pm.hook.followup_register_channels.get_hookimpls()):
        def register(cls: type[Channel], _plugin: str = impl.plugin_name) -> None:
            if not (isinstance(cls, type) and issubclass(cls, Channel)) or not getattr(cls, "name", None):
                raise PluginError(f"plugin {_plugin!r} registered {cls!r}, which is not a Channel subclass with a name: "
                                  "subclass followup.channels.Channel and set `name`")
            if cls.name in found and found[cls.name][0] is not cls:
                raise PluginError(f"channel {cls.name!r} is registered by both {found[cls.name][1]!r} and {_plugin!r}: "
                                  "rename one, or limit plugins with FOLLOWUP_LOAD_PLUGINS")
            found[cls.name] = (cls, _plugin)

        impl.function(register=register)
    return found


def make_channel(registry: Mapping[str, tuple[type[Channel], str]], target: ChannelTarget | str) -> Channel:
    """An instance of the channel `target` names, options checked."""
    if isinstance(target, str):
        target = parse_target(target)
    if target.name not in registry:
        close = difflib.get_close_matches(target.name, list(registry), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ChannelOptionError(f"--to {target.spec}: no channel named {target.name!r}; {hint}"
                                 f"known channels: {', '.join(sorted(registry))}")
    return registry[target.name][0](target)
