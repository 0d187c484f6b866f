"""Delivering advice to channels: every channel tried, nothing lost, no digest sent twice where that can be helped.

Channels that write (terminal, files) are idempotent by nature: they are
simply run, and a failure is kept in the outbox. Channels that send messages
(email, webhook) get a digest of every open action and go through
:func:`followup.sending.send_digest`: written ahead to the outbox, sent under
a per-destination lock with an idempotency key, recorded in the delivery log.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import IO

import pluggy
from pydantic import ValidationError

from .channels import Channel, ChannelOptionError, ChannelTarget, Delivery, make_channel
from .deliverylog import DeliveryLog
from .digest import case_id
from .errors import InputError
from .facts import Facts, parse_facts
from .outbox import Outbox, OutboxEntry
from .render import render_list
from .results import Advice
from .sending import EXIT_DELIVERY_FAILED, DeliveryResult, Registry, attempt, facts_json, send_digest, unwritable

__all__ = ["DeliveryResult", "deliver", "retry_outbox", "EXIT_DELIVERY_FAILED"]


def prepare(registry: Registry, to: Iterable[str | ChannelTarget], *, facts: Facts | None) -> list[Channel]:
    """Every channel instantiated and checked before anything is delivered (a typo fails fast, exit 2)."""
    channels = [make_channel(registry, t) for t in to]
    for ch in channels:
        if ch.needs_facts and facts is None:
            raise ChannelOptionError(f"--to {ch.target.spec}: channel {ch.name!r} needs the interview facts; "
                                     "pass facts= to Engine.deliver")
    return channels


def _write(channel: Channel, advice: Advice, facts: Facts | None, *, explain: bool, box: Outbox, stdout: IO[str],
           pm: pluggy.PluginManager | None) -> DeliveryResult:
    """A channel that writes (terminal, a file): run it; keep the advice in the outbox if it fails."""
    spec = channel.target.spec
    identity, case = channel.identity(facts), case_id(advice)
    result = attempt(channel, Delivery(advice=advice, facts=facts, explain=explain, stdout=stdout, pm=pm))
    if result.status != "failed":
        if channel.target.arg not in (None, "-"):  # a file now holds this advice: older kept copies are stale
            with contextlib.suppress(OSError):
                box.superseded(identity, case)
        return result
    try:
        entry = box.add(spec, advice.model_dump(mode="json"), facts_json(facts), explain, result.detail,
                        permanent=result.permanent, identity=identity, case=case)
    except OSError as exc:
        return replace(result, detail=f"{result.detail}; {unwritable(box, exc)}", undelivered=render_list(advice))
    return replace(result, outbox_id=entry.id)


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
        if ch.sends:
            results.append(send_digest(ch, advice, facts, explain=explain, resend=resend, box=box, log=log,
                                       stdout=out, pm=pm))
        else:
            results.append(_write(ch, advice, facts, explain=explain, box=box, stdout=out, pm=pm))
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
    `everything`); delivered ones leave the outbox.

    Safe to run twice at once: each entry is read again under its destination's lock, so the second run
    finds it gone instead of sending it again.
    """
    box = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
    log = log or DeliveryLog()
    out = stdout or sys.stdout
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
        if channel.sends:
            result = send_digest(channel, advice, facts, explain=entry.explain, resend=False, box=box, log=log,
                                 stdout=out, pm=pm, entry=entry)
        else:
            result = attempt(channel, Delivery(advice=advice, facts=facts, explain=entry.explain, stdout=out, pm=pm))
            if result.status == "failed":
                box.failed_again(entry.id, result.detail, permanent=result.permanent)
                result = replace(result, outbox_id=entry.id)
            else:
                box.remove(entry.id)
        done.append((entry, result))
    return done
