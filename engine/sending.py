"""Sending a digest exactly once where that can be done, at least once always.

For one channel that sends (email, webhook), in this order:

1. take the destination's lock (``flock``; a second run waits, a killed run releases it);
2. build the digest (every open action, new ones marked against the delivery
   log) and skip if the log says this very digest was delivered already;
3. write the digest ahead to the outbox with its idempotency key;
4. send it, the key going along (``Idempotency-Key`` header, payload, Message-ID);
5. record it in the delivery log, then remove the outbox entry.

A run killed after 3 leaves the entry, and the next run (``advise`` or
``outbox retry``) sends it once more with the same key; killed after 5's
first half, the next run finds it recorded and only removes the entry. If the
log cannot be written (a full disk) after a send, the entry stays, so the next
run sends that one digest once more, with the same key, instead of every
later run sending everything again: a receiver that honours the key sees one.
"""

from __future__ import annotations

import contextlib
import errno
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import IO, Literal

import pluggy

from .channels import Channel, Delivery, PermanentChannelError
from .deliverylog import DeliveryLog
from .digest import Digest, build_digest, case_id, digest_text, idempotency_key
from .errors import ChannelError
from .facts import Facts
from .outbox import Outbox, OutboxEntry
from .results import Advice

__all__ = ["DeliveryResult", "EXIT_DELIVERY_FAILED", "send_digest", "attempt"]

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
    warning: str | None = None  # delivered, but something the user should know (the log could not be written)
    undelivered: str | None = None  # the advice as text, when it could be neither delivered nor kept

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict[str, object]:
        return {"target": self.target, "channel": self.channel, "status": self.status, "detail": self.detail,
                "actions": self.actions, "outbox_id": self.outbox_id, "permanent": self.permanent,
                "warning": self.warning, "undelivered": self.undelivered}


def facts_json(facts: Facts | None) -> dict[str, object] | None:
    return None if facts is None else facts.model_dump(mode="json", by_alias=True)


def unwritable(box: Outbox, exc: OSError) -> str:
    return (f"and the outbox could not be written ({exc.strerror or exc}: {exc.filename or box.path}), "
            "so the advice is printed instead")


def attempt(channel: Channel, delivery: Delivery) -> DeliveryResult:
    """Run the channel once; every failure becomes a result (a plugin's bug must not stop the other channels)."""
    spec = channel.target.spec
    try:
        where = channel.deliver(delivery)
    except ChannelError as exc:
        return DeliveryResult(spec, channel.name, "failed", str(exc), permanent=isinstance(exc, PermanentChannelError))
    except OSError as exc:
        return DeliveryResult(spec, channel.name, "failed", f"{exc.strerror or exc}" +
                              (f": {exc.filename}" if getattr(exc, "filename", None) else ""),
                              permanent=exc.errno in _PERMANENT_ERRNOS)
    except Exception as exc:
        return DeliveryResult(spec, channel.name, "failed", f"channel crashed: {type(exc).__name__}: {exc}")
    n = len(delivery.digest.items) if delivery.digest is not None else len(delivery.advice.actions)
    return DeliveryResult(spec, channel.name, "delivered", where, actions=n)


def send_digest(channel: Channel, advice: Advice, facts: Facts | None, *, explain: bool, resend: bool, box: Outbox,
                log: DeliveryLog, stdout: IO[str], pm: pluggy.PluginManager | None,
                entry: OutboxEntry | None = None) -> DeliveryResult:
    """Send the digest of `advice` (or, retrying, the one kept in `entry`) to `channel`; see the module doc."""
    spec = channel.target.spec
    identity = channel.identity(facts)
    case = case_id(advice)
    ahead: OSError | None = None  # why the digest could not be written ahead, if it could not
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(log.sending(identity))
        except OSError:
            pass  # no room even for a lock file: sending unlocked beats not sending
        if entry is not None:
            current = box.get(entry.id)
            if current is None:
                return DeliveryResult(spec, channel.name, "skipped", "already delivered by another run")
            entry = current
            last = log.last(identity, case)
            if last is not None and entry.key and (last.key == entry.key or last.at > entry.created):
                box.remove(entry.id)  # sent by a run that ended before it could clear the outbox, or superseded
                why = "already delivered" if last.key == entry.key else "superseded by a later digest"
                return DeliveryResult(spec, channel.name, "skipped", why)
            digest = build_digest(advice, marks=entry.marks)
            key = entry.key or idempotency_key(digest.case, identity, digest.revision)
            if not entry.key:  # written by an older followup: give it its key before the first send with it
                with contextlib.suppress(OSError):
                    box.update(entry.id, key=key, identity=identity, case=digest.case, revision=digest.revision)
        else:
            last = log.last(identity, case)
            digest = build_digest(advice, last.actions if last else log.previous_actions(identity, case))
            if not digest.items:
                return DeliveryResult(spec, channel.name, "skipped", "no actions to send")
            if not resend and last is not None and last.revision == digest.revision:
                return DeliveryResult(spec, channel.name, "skipped", "already delivered: nothing new, changed or "
                                      "newly due since the last digest (use --resend to send again)")
            key = idempotency_key(digest.case, identity, digest.revision, uuid.uuid4().hex if resend else "")
            try:
                entry = box.write_ahead(spec, advice.model_dump(mode="json"), facts_json(facts), explain,
                                        identity=identity, case=digest.case, key=key, revision=digest.revision,
                                        marks=digest.marks)
            except OSError as exc:
                entry, ahead = None, exc  # sent anyway (at least once); if that fails too, the advice is printed
        result = attempt(channel, Delivery(advice=advice, facts=facts, explain=explain, stdout=stdout, pm=pm,
                                           digest=digest, idempotency_key=key))
        if result.status == "failed":
            return _failed(result, box, entry, digest, explain, ahead)
        return _sent(result, box, log, entry, identity, digest, key)


def _failed(result: DeliveryResult, box: Outbox, entry: OutboxEntry | None, digest: Digest, explain: bool,
            ahead: OSError | None) -> DeliveryResult:
    if entry is None:
        assert ahead is not None
        return replace(result, detail=f"{result.detail}; {unwritable(box, ahead)}",
                       undelivered=digest_text(digest, explain=explain))
    try:
        box.failed_again(entry.id, result.detail, permanent=result.permanent)
    except OSError:
        pass  # the entry written ahead keeps the advice; only its attempt count is stale
    return replace(result, outbox_id=entry.id)


def _sent(result: DeliveryResult, box: Outbox, log: DeliveryLog, entry: OutboxEntry | None, identity: str,
          digest: Digest, key: str) -> DeliveryResult:
    try:
        log.record(identity, digest.case, revision=digest.revision, key=key,
                   actions={i.uid: i.hash for i in digest.items})
    except OSError as exc:
        if entry is None:
            return replace(result, warning=f"the delivery log could not be written either ({exc.strerror or exc}): "
                                           f"the next run sends this digest again, with the same Idempotency-Key {key}")
        return replace(result, outbox_id=entry.id,
                       warning=f"the delivery log could not be written ({exc.strerror or exc}: {exc.filename or ''}); "
                               f"the digest stays in the outbox (entry {entry.id}), so the next run sends it once "
                               f"more, with the same Idempotency-Key {key}, and nothing else again")
    if entry is not None:
        with contextlib.suppress(OSError):
            box.remove(entry.id)  # if not, the next run finds it recorded and removes it then
    return result
