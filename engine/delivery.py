"""Delivering advice to channels: every channel tried, failures kept in the outbox, no reminder sent twice."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import IO, Literal

import pluggy
from pydantic import ValidationError

from .channels import (
    Channel,
    ChannelOptionError,
    ChannelTarget,
    Delivery,
    PermanentChannelError,
    action_hash,
    action_uid,
    make_channel,
)
from .errors import ChannelError, InputError
from .facts import Facts, parse_facts
from .outbox import DeliveryLog, Outbox, OutboxEntry
from .results import Advice

__all__ = ["DeliveryResult", "deliver", "retry_outbox", "EXIT_DELIVERY_FAILED"]

# Exit code of `followup advise --to ...` / `followup outbox retry` when a channel failed.
EXIT_DELIVERY_FAILED = 3

Status = Literal["delivered", "skipped", "failed"]
Registry = Mapping[str, tuple[type[Channel], str]]

# A path that can never be written as given (a folder where a file should be, a name too long);
# a full disk or a permission may be fixed, so those stay worth retrying.
_PERMANENT_ERRNOS = {errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG, errno.EINVAL}


@dataclass(frozen=True)
class DeliveryResult:
    """What happened on one channel."""

    target: str  # canonical target spec
    channel: str
    status: Status
    detail: str  # where it went, why it was skipped, or why it failed
    actions: int = 0  # actions delivered
    outbox_id: str | None = None  # set when the advice was kept in the outbox
    permanent: bool = False  # a failure that will not pass by retrying (see PermanentChannelError)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict[str, object]:
        return {"target": self.target, "channel": self.channel, "status": self.status, "detail": self.detail,
                "actions": self.actions, "outbox_id": self.outbox_id, "permanent": self.permanent}


def prepare(registry: Registry, to: Iterable[str | ChannelTarget], *, facts: Facts | None) -> list[Channel]:
    """Every channel instantiated and checked before anything is delivered (a typo fails fast, exit 2)."""
    channels = [make_channel(registry, t) for t in to]
    for ch in channels:
        if ch.needs_facts and facts is None:
            raise ChannelOptionError(f"--to {ch.target.spec}: channel {ch.name!r} needs the interview facts; "
                                     "pass facts= to Engine.deliver")
    return channels


def _facts_json(facts: Facts | None) -> dict[str, object] | None:
    return None if facts is None else facts.model_dump(mode="json", by_alias=True)


def _send(channel: Channel, advice: Advice, facts: Facts | None, *, explain: bool, resend: bool, log: DeliveryLog,
          stdout: IO[str], pm: pluggy.PluginManager | None) -> tuple[DeliveryResult, Advice]:
    """Deliver to one channel; returns the result and the advice it was (or should have been) given."""
    spec = channel.target.spec
    hashes: dict[str, str] = {}
    if channel.sends:
        done = {} if resend else log.delivered(spec)
        fresh = []
        for a in advice.actions:
            uid, h = action_uid(advice, a), action_hash(a)
            if done.get(uid) != h:
                fresh.append(a)
                hashes[uid] = h
        if not fresh:
            why = "no actions to send" if not advice.actions else \
                "already delivered, nothing new (use --resend to send again)"
            return DeliveryResult(spec, channel.name, "skipped", why), advice
        advice = advice.model_copy(update={"actions": fresh})
    try:
        where = channel.deliver(Delivery(advice=advice, facts=facts, explain=explain, stdout=stdout, pm=pm))
    except ChannelError as exc:
        return DeliveryResult(spec, channel.name, "failed", str(exc),
                              permanent=isinstance(exc, PermanentChannelError)), advice
    except OSError as exc:
        return DeliveryResult(spec, channel.name, "failed", f"{exc.strerror or exc}" +
                              (f": {exc.filename}" if getattr(exc, "filename", None) else ""),
                              permanent=exc.errno in _PERMANENT_ERRNOS), advice
    except Exception as exc:  # a plugin's bug must not lose the advice or stop the other channels
        return DeliveryResult(spec, channel.name, "failed", f"channel crashed: {type(exc).__name__}: {exc}"), advice
    if channel.sends:
        log.record(spec, hashes)
    return DeliveryResult(spec, channel.name, "delivered", where, actions=len(advice.actions)), advice


def deliver(
    registry: Registry,
    advice: Advice,
    to: Iterable[str | ChannelTarget],
    *,
    facts: Facts | None = None,
    explain: bool = False,
    resend: bool = False,
    outbox: Outbox | str | os.PathLike[str] | None = None,
    log: DeliveryLog | None = None,
    stdout: IO[str] | None = None,
    pm: pluggy.PluginManager | None = None,
) -> list[DeliveryResult]:
    """Deliver `advice` to every target; a failed one is reported and kept in the outbox, the others still go."""
    channels = prepare(registry, to, facts=facts)
    box = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
    log = log or DeliveryLog()
    out = stdout or sys.stdout
    results = []
    for ch in channels:
        result, given = _send(ch, advice, facts, explain=explain, resend=resend, log=log, stdout=out, pm=pm)
        if result.status == "failed":
            entry = box.add(ch.target.spec, given.model_dump(mode="json"), _facts_json(facts), explain, result.detail,
                            permanent=result.permanent)
            result = replace(result, outbox_id=entry.id)
        results.append(result)
    return results


def retry_outbox(
    registry: Registry,
    *,
    outbox: Outbox | str | os.PathLike[str] | None = None,
    log: DeliveryLog | None = None,
    ids: Iterable[str] = (),
    everything: bool = False,
    stdout: IO[str] | None = None,
    pm: pluggy.PluginManager | None = None,
) -> list[tuple[OutboxEntry, DeliveryResult]]:
    """Try the outbox entries again: those in `ids`, else all but the ones marked permanent (all of them with
    `everything`); delivered ones leave the outbox."""
    box = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
    log = log or DeliveryLog()
    wanted = set(ids)
    done = []
    for entry in box.entries():
        if wanted and entry.id not in wanted:
            continue
        name = entry.target.split(":")[0].split(",")[0]
        if entry.permanent and not wanted and not everything:
            done.append((entry, DeliveryResult(entry.target, name, "skipped", "not retried: its last failure will not "
                                               f"pass by itself ({entry.last_error}); once fixed, `followup outbox "
                                               f"retry {entry.id}`, or `followup outbox drop {entry.id}`",
                                               outbox_id=entry.id, permanent=True)))
            continue
        try:
            advice = Advice.model_validate(entry.advice)
            facts = parse_facts(entry.facts) if entry.facts is not None else None
            [channel] = prepare(registry, [entry.target], facts=facts)
        except (ChannelOptionError, InputError, ValidationError) as exc:
            # e.g. the plugin providing the channel was uninstalled (may come back), or the entry was edited by
            # hand so it no longer reads (will not mend itself): keep it either way rather than lose it
            permanent = not isinstance(exc, ChannelOptionError)
            box.failed_again(entry.id, str(exc), permanent=permanent)
            done.append((entry, DeliveryResult(entry.target, name, "failed", str(exc), outbox_id=entry.id,
                                               permanent=permanent)))
            continue
        result, _ = _send(channel, advice, facts, explain=entry.explain, resend=False, log=log,
                          stdout=stdout or sys.stdout, pm=pm)
        if result.status == "failed":
            box.failed_again(entry.id, result.detail, permanent=result.permanent)
            result = replace(result, outbox_id=entry.id)
        else:
            box.remove(entry.id)
        done.append((entry, result))
    return done
