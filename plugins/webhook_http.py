"""Sending a webhook: POST with timeouts, retries with backoff, no redirects (the channel is in webhook_channel).

A module of its own so that registering the channel, which every `followup`
command does, does not import urllib, http.client and ssl.
"""

from __future__ import annotations

import email.message
import http.client
import socket
import time
import urllib.error
import urllib.request
from typing import IO

from followup.channels import PermanentChannelError
from followup.errors import ChannelError

__all__ = ["post_json"]

# Worth another try: the server may recover (RFC 9110 429/5xx); other 4xx mean the request itself is wrong.
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float, retries: int, backoff: float,
              summary: str) -> str:
    """POST `body` to `url`, retrying what may pass; what the channel reports on success."""
    reason = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        # the scheme was checked to be http(s) when the target was parsed
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            response = _OPENER.open(request, timeout=timeout)
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
            reason = _why(exc, timeout)
            if _no_such_host(exc):
                raise PermanentChannelError(f"{url}: {reason}; check the host name in the URL") from None
            continue
        with response:
            try:
                response.read()
            except (http.client.HTTPException, OSError):
                pass  # the 2xx status line already said the advice was accepted; the body is not needed
            return f"{url} (HTTP {response.status}, {summary})"
    raise ChannelError(f"{url}: {reason} after {retries + 1} attempt{'s' if retries else ''}")


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
