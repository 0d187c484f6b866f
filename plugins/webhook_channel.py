"""Channel `webhook`: POST the digest as JSON (plain, Slack-style or Teams-style), with timeouts and retries."""

from __future__ import annotations

import email.message
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import IO, ClassVar
from urllib.parse import urlsplit

from followup.channels import (
    Channel,
    ChannelOptionError,
    ChannelTarget,
    Delivery,
    PermanentChannelError,
    option_choice,
    option_float,
    option_int,
)
from followup.digest import build_digest
from followup.errors import ChannelError
from followup.hookspecs import hookimpl
from followup.plugins.webhook_payloads import payload
from followup.version import __version__

# Worth another try: the server may recover (RFC 9110 429/5xx); other 4xx mean the request itself is wrong.
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


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
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            # the scheme was checked to be http(s) when the target was parsed
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
            try:
                response = _OPENER.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:
                exc.close()
                reason = f"HTTP {exc.code} {exc.reason}"
                if 300 <= exc.code < 400:
                    where = exc.headers.get("Location") or "elsewhere"
                    raise PermanentChannelError(f"{url} redirects to {where} ({reason}); a POST is not followed "
                                                "across redirects: give the final URL") from None
                if exc.code not in _RETRYABLE:
                    raise PermanentChannelError(f"{url} refused the advice: {reason}; "
                                                "check the URL and the style= option") from None
                continue
            except (TimeoutError, http.client.HTTPException, urllib.error.URLError, OSError) as exc:
                reason = _why(exc, self.timeout)
                if _no_such_host(exc):
                    raise PermanentChannelError(f"{url}: {reason}; check the host name in the URL") from None
                continue
            with response:
                try:
                    response.read()
                except (http.client.HTTPException, OSError):
                    pass  # the 2xx status line already said the advice was accepted; the body is not needed
                return f"{url} (HTTP {response.status}, {digest.summary})"
        raise ChannelError(f"{url}: {reason} after {self.retries + 1} attempt{'s' if self.retries else ''}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without its body (urllib turns 301/302/303 into GET)."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: email.message.Message, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _why(exc: BaseException, timeout: float) -> str:
    """Why one attempt failed, in words (urllib wraps connection errors in URLError, answer errors it does not)."""
    why: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(why, TimeoutError):
        return (f"no answer within {timeout:g}s (raise timeout=; the server may still have received it, "
                "so every attempt carries the same Idempotency-Key)")
    if isinstance(why, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(why, http.client.BadStatusLine):
        return f"the answer is not HTTP ({str(why)[:60]!r})"
    if isinstance(why, http.client.HTTPException):
        return f"the server hung up mid-answer ({type(why).__name__})"
    if isinstance(why, socket.gaierror):
        return f"cannot resolve the host ({why.strerror or why})"
    return f"cannot connect: {getattr(why, 'strerror', None) or why}"


def _no_such_host(exc: BaseException) -> bool:
    """The name does not exist (a typo), as opposed to no network right now (EAI_AGAIN), which may pass."""
    why = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(why, socket.gaierror) and why.errno == socket.EAI_NONAME


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(WebhookChannel)
