"""Channel `webhook`: POST the digest as JSON (plain, Slack-style or Teams-style), with timeouts and retries."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import ClassVar
from urllib.parse import urlsplit

from followup.channels import (
    Channel,
    ChannelOptionError,
    ChannelTarget,
    Delivery,
    option_choice,
    option_float,
    option_int,
)
from followup.digest import build_digest
from followup.hookspecs import hookimpl
from followup.plugins.webhook_payloads import payload
from followup.version import __version__


def _default_backoff() -> float:
    raw = os.environ.get("FOLLOWUP_WEBHOOK_BACKOFF") or "1"
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ChannelOptionError(f"FOLLOWUP_WEBHOOK_BACKOFF={raw!r} is not a number of seconds >= 0: fix or unset it")
    return value


class WebhookChannel(Channel):
    name = "webhook"
    description = "POSTs the advice as JSON to a URL (plain Advice, Slack or Teams payload), retrying with backoff."
    arg_help = "URL (http or https)"
    arg_required = True
    sends = True
    options: ClassVar[Mapping[str, str]] = {
        "style": "json (default: the Advice schema), slack or teams",
        "timeout": "seconds to wait for each attempt (default 10)",
        "retries": "further attempts after a failure (default 3)",
        "backoff": "seconds before the first retry, doubling each time (default 1; env FOLLOWUP_WEBHOOK_BACKOFF)",
    }

    def __init__(self, target: ChannelTarget) -> None:
        super().__init__(target)
        url = urlsplit(target.arg or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ChannelOptionError(f"--to {target.spec}: {target.arg!r} is not an http(s) URL; "
                                     "write e.g. webhook:https://hooks.example.com/T000/B000")
        self.style = option_choice(self, "style", ("json", "slack", "teams"))
        self.timeout = option_float(self, "timeout", 10.0, minimum=0.01)
        self.retries = option_int(self, "retries", 3)
        self.backoff = option_float(self, "backoff", _default_backoff())

    def deliver(self, delivery: Delivery) -> str:
        url = self.target.arg or ""
        digest = delivery.digest or build_digest(delivery.advice)
        key = delivery.idempotency_key
        body = json.dumps(payload(digest, self.style, key), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"followup/{__version__}"}
        if key:
            # every attempt of every run carries the same key: a receiver that saw it can drop the copy
            headers["Idempotency-Key"] = key
        from followup.plugins.webhook_http import post_json  # the HTTP stack is imported when a webhook is sent

        return post_json(url, body, headers, timeout=self.timeout, retries=self.retries, backoff=self.backoff,
                         summary=digest.summary)


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(WebhookChannel)
