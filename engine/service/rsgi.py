"""The service under granian's own interface, RSGI: what `followup serve` runs.

A decision request (`POST /v1/advise`, `/v1/packs/{pack}/advise`) costs
about 100 µs less CPU through RSGI than through granian's ASGI (measured
with benchmarks/bench_scale.py): the body comes in one await and the answer
goes out in one call, where ASGI has message dicts and a future behind each
receive and send. Decision requests are answered here with the ASGI app's
own `advise_answer`; every other request is handed to that same Starlette
app through a small ASGI bridge, so each endpoint has one implementation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol
from urllib.parse import unquote

from starlette.requests import ClientDisconnect
from starlette.types import Message

from .app import JSON, ServiceApp, advise_target, app_from_env

__all__ = ["RSGIApp", "rsgi_app_from_env"]

log = logging.getLogger("followup.service")


class _Headers(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def items(self) -> list[tuple[str, str]]: ...


class _Scope(Protocol):  # granian.rsgi.Scope, typed here so granian stays a lazy import
    proto: str
    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> _Headers: ...


class _Protocol(Protocol):
    async def __call__(self) -> bytes: ...
    def __aiter__(self) -> AsyncIterator[bytes]: ...
    async def client_disconnect(self) -> None: ...
    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...


class RSGIApp:
    """An RSGI application serving a :class:`ServiceApp`."""

    def __init__(self, app: ServiceApp) -> None:
        self.app = app

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.app.start()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.app.stop()

    async def __rsgi__(self, scope: _Scope, proto: _Protocol) -> None:
        if scope.proto != "http":  # granian runs with websockets off; nothing to do
            return
        path = unquote(scope.path) if "%" in scope.path else scope.path  # as ASGI's `path`: decoded
        if scope.method == "POST":
            pack = advise_target(path)
            if pack is not None:
                headers = scope.headers
                declared = headers.get("content-length", "")
                # a declared length is checked against the limit before anything is read, and
                # HTTP framing holds the body to it; only a body of unknown length is streamed
                read = (lambda: _whole(proto)) if declared.isdigit() else (lambda: self.app.read_chunks(_streamed(proto)))
                try:
                    status, answer_headers, body = await self.app.advise_answer(
                        (headers.get("content-type", JSON), declared), read, pack, path)
                except ClientDisconnect:  # nobody to answer
                    return
                proto.response_bytes(status, [(k.decode(), v.decode()) for k, v in answer_headers], body)
                return
        await self._asgi(scope, proto, path)

    async def _asgi(self, scope: _Scope, proto: _Protocol, path: str) -> None:
        """Any other request, through the Starlette app as ASGI."""
        body = aiter(proto)
        state: dict[str, Any] = {"read": False, "status": 500, "headers": [], "parts": [], "sent": False}

        async def receive() -> Message:
            if not state["read"]:
                try:
                    return {"type": "http.request", "body": await anext(body), "more_body": True}
                except StopAsyncIteration:
                    state["read"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            await proto.client_disconnect()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
                                    if k.lower() != b"content-length"]  # granian sets it from the body
            elif message["type"] == "http.response.body":
                state["parts"].append(message.get("body", b""))
                if not message.get("more_body", False) and not state["sent"]:
                    state["sent"] = True
                    proto.response_bytes(state["status"], state["headers"], b"".join(state["parts"]))

        asgi_scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": scope.http_version,
            "method": scope.method, "scheme": scope.scheme, "path": path, "raw_path": scope.path.encode("latin-1"),
            "query_string": scope.query_string.encode("latin-1"), "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in scope.headers.items()],
            "client": _address(scope.client), "server": _address(scope.server), "state": {},
        }
        try:
            await self.app(asgi_scope, receive, send)
        except Exception:
            # Starlette has answered (500, problem+json) and logged it before raising it again
            if not state["sent"]:
                raise


async def _whole(proto: _Protocol) -> bytes:
    try:
        return await proto()
    except RuntimeError:  # granian's RSGIProtocolClosed: the client went away
        raise ClientDisconnect() from None


async def _streamed(proto: _Protocol) -> AsyncIterator[bytes]:
    try:
        async for chunk in proto:
            yield chunk
    except RuntimeError:
        raise ClientDisconnect() from None


def _address(text: str) -> tuple[str, int] | None:
    host, _, port = text.rpartition(":")
    return (host, int(port)) if port.isdigit() else None


def rsgi_app_from_env() -> RSGIApp:
    """Factory for granian worker processes: the configuration comes from FOLLOWUP_SERVICE_CONFIG."""
    return RSGIApp(app_from_env())
