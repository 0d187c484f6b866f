"""The ASGI application: routes, body limits, the time budget, problem+json errors.

Starlette, not FastAPI: FastAPI's body parsing rejects followup's strict
models unless the raw body is validated by hand, which is all this module
does anyway. The decision endpoints, the service's hot path, are answered
by `ServiceApp.__call__` before Starlette's layers (see there); every other
request goes through Starlette.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from pydantic import BaseModel, ValidationError
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..engine import Engine
from ..errors import Problem
from ..yamlio import problems_from_validation
from .config import ServiceConfig
from .core import Service
from .problems import MEDIA_TYPE, ServiceProblem, problem_response
from .requests import AdviseRequest, BatchRequest, CompareRequest, PlanRequest, ValidateRequest

__all__ = ["create_app", "app_from_env", "ServiceApp", "advise_target"]

log = logging.getLogger("followup.service")
JSON = "application/json"
_JSON_HEADERS = [(b"content-type", JSON.encode())]
_PROBLEM_HEADERS = [(b"content-type", MEDIA_TYPE.encode())]
M = TypeVar("M", bound=BaseModel)
# Decisions naming at most this many people (and no larger than ServiceConfig.inline_bytes) are evaluated
# on the event loop: a few ms at most. Evaluation grows faster than the people it names (measured, people
# without contact details: 50 ~5-7 ms, 200 ~40-50 ms, 1,000 ~0.8 s), so the size of the body alone would not
# keep them short.
INLINE_PEOPLE = 16


class ServiceApp(Starlette):
    """The Starlette app, with the decision endpoints (`POST /v1/advise`, `/v1/packs/{pack}/advise`)
    answered before Starlette's middleware, routing, Request and Response objects: on the service's
    hot path those layers cost more than reading and validating the body. The answers are the same
    (status, headers, body) as through the routes below; anything else goes through Starlette."""

    def __init__(self, config: ServiceConfig, service: Service, **kw: Any) -> None:
        super().__init__(**kw)
        self.config = config
        self.service = service
        self.limiter = anyio.CapacityLimiter(max(1, config.threads))
        self.pool = ThreadPoolExecutor(max(1, config.threads), thread_name_prefix="followup-eval")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            pack = advise_target(get_route_path(scope))
            if pack is not None:
                try:
                    status, headers, body = await self.advise_answer(
                        _head(scope["headers"]), lambda: self.read_chunks(_asgi_chunks(receive)), pack, scope["path"])
                except ClientDisconnect:  # nobody to answer
                    return
                await send({"type": "http.response.start", "status": status,
                            "headers": [(b"content-length", b"%d" % len(body)), *headers]})
                await send({"type": "http.response.body", "body": body})
                return
        await super().__call__(scope, receive, send)

    async def advise_answer(self, head: tuple[str, str], read: Callable[[], Awaitable[bytes]], pack: str,
                            path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body answering a decision request: `head` is its Content-Type and
        Content-Length, `read` reads its body once `head` is accepted, `pack` is "" when the path names none."""
        try:
            self.check_head(head)
            return 200, _JSON_HEADERS, await self.advise_raw(await read(), pack or None)
        except ClientDisconnect:
            raise
        except Exception as exc:  # every failure is answered, as Starlette's handlers below do
            if not isinstance(exc, ServiceProblem):
                log.error("request to %s failed", path, exc_info=exc)
                exc = _internal(exc)
            return exc.status, _PROBLEM_HEADERS, orjson.dumps(exc.body(path))

    def check_head(self, head: tuple[str, str]) -> None:
        """Refuse (415, 413) a body by its declared type and length, before it is read."""
        kind = head[0].split(";")[0].strip().lower()
        if kind != JSON and not kind.endswith("+json"):
            raise ServiceProblem("media-type", f"the body is sent as {kind or 'nothing'}: send JSON with "
                                 "Content-Type: application/json")
        if head[1].isdigit() and int(head[1]) > self.config.max_body_bytes:
            raise _too_large(self.config.max_body_bytes)

    async def read_body(self, head: tuple[str, str], chunks: AsyncIterator[bytes]) -> bytes:
        self.check_head(head)
        return await self.read_chunks(chunks)

    async def read_chunks(self, chunks: AsyncIterator[bytes]) -> bytes:
        """A body of any declared length, refused (413) as soon as it is over the limit."""
        limit = self.config.max_body_bytes
        parts = []
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def advise_raw(self, raw: bytes, pack: str | None) -> bytes:
        req = _decode(raw, AdviseRequest)
        if pack is not None and req.pack is not None and req.pack != pack:
            raise ServiceProblem("invalid-request", "the pack in the body differs from the pack in the path", [Problem(
                f"`pack: {req.pack}` but the path names {pack}", path=("pack",), code="pack_mismatch",
                hint="leave `pack` out of the body when the path names the pack")])
        if len(raw) <= self.config.inline_bytes and _people(req.facts) <= INLINE_PEOPLE:
            return self.service.advise(req, pack)  # short: a hand-off to a thread costs more than the loop waits
        return await self.run(self.service.advise, req, pack)

    async def run(self, fn: Callable[..., bytes], *args: Any) -> bytes:
        if self.config.threads == 0:  # on the loop: nothing else is served meanwhile
            return fn(*args)
        try:
            return await self._off_loop(fn, *args)
        except TimeoutError:
            raise ServiceProblem("time-budget", f"the request needed more than {self.config.time_budget:g} s: ask for "
                                 "less (fewer inputs, packs or days) or split it") from None

    async def _off_loop(self, fn: Callable[..., bytes], *args: Any) -> bytes:
        # Past the budget the answer goes out and the thread finishes on its own (it cannot be stopped).
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another event loop (trio): anyio's own threads
            with anyio.fail_after(self.config.time_budget):
                return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter, abandon_on_cancel=True)
        # On asyncio, the pool straight from the loop: about 60 µs of CPU per request against anyio's
        # 100 (measured), the largest cost of a request beyond its evaluation and the HTTP server's own.
        return await asyncio.wait_for(loop.run_in_executor(self.pool, fn, *args), self.config.time_budget)

    def start(self) -> None:
        self.service.packs()  # compile every pack before the first request, so no request pays for it

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.service.log is not None:
            self.service.log.close()


def create_app(config: ServiceConfig | None = None, engine: Engine | None = None) -> ServiceApp:
    """The service as an ASGI app (serve it with any ASGI server; `followup serve` uses granian)."""
    config = config or ServiceConfig()
    service = Service(config, engine)

    async def reply(fn: Callable[..., bytes], *args: Any) -> Response:
        return Response(await app.run(fn, *args), media_type=JSON)

    async def advise(request: Request) -> Response:  # what ServiceApp.__call__ answers itself, as a route
        raw = await app.read_body(_head(request.scope["headers"]), request.stream())
        return Response(await app.advise_raw(raw, request.path_params.get("pack")), media_type=JSON)

    async def compare(request: Request) -> Response:
        return await reply(service.compare, await _body(app, request, CompareRequest))

    async def plan(request: Request) -> Response:
        return await reply(service.plan, await _body(app, request, PlanRequest))

    async def validate(request: Request) -> Response:
        return await reply(service.validate, await _body(app, request, ValidateRequest))

    async def batch(request: Request) -> Response:
        return await reply(service.batch, await _body(app, request, BatchRequest))

    async def packs(request: Request) -> Response:
        return await reply(lambda: orjson.dumps({"packs": service.packs()}))

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type=JSON)

    async def ready(request: Request) -> Response:
        ok, body = await anyio.to_thread.run_sync(service.ready, limiter=app.limiter)
        return Response(orjson.dumps(body), status_code=200 if ok else 503, media_type=JSON)

    async def openapi(request: Request) -> Response:
        from .openapi import openapi_document

        return Response(orjson.dumps(openapi_document(config)), media_type=JSON)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(app.start)
        yield
        app.stop()

    routes = [
        Route("/v1/advise", advise, methods=["POST"]),
        Route("/v1/packs/{pack}/advise", advise, methods=["POST"]),
        Route("/v1/compare", compare, methods=["POST"]),
        Route("/v1/plan", plan, methods=["POST"]),
        Route("/v1/validate", validate, methods=["POST"]),
        Route("/v1/batch", batch, methods=["POST"]),
        Route("/v1/packs", packs, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    app = ServiceApp(config, service, routes=routes, lifespan=lifespan, exception_handlers={
        ServiceProblem: _on_problem, HTTPException: _on_http, Exception: _on_crash})
    app.state.service = service
    return app


def app_from_env() -> ServiceApp:
    """Factory for server worker processes: the configuration comes from FOLLOWUP_SERVICE_CONFIG."""
    return create_app(ServiceConfig.from_env())


def advise_target(path: str) -> str | None:
    """For a decision endpoint's path, the pack it names ("" for /v1/advise); None for any other path."""
    if path == "/v1/advise":
        return ""
    if path.startswith("/v1/packs/") and path.endswith("/advise"):
        pack = path[10:-7]
        if pack and "/" not in pack:  # what Starlette's {pack} matches
            return pack
    return None


def _people(facts: dict[str, Any]) -> int:
    """How many people raw facts name (not yet validated: anything but a list counts as none)."""
    return sum(len(v) for v in (facts.get("interviewers"), facts.get("arrangers")) if isinstance(v, list))


def _head(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str]:
    """Content-Type (JSON when not given) and Content-Length ("" when not given) of ASGI headers."""
    kind, length = JSON, ""
    for name, value in headers:
        if name == b"content-type":
            kind = value.decode("latin-1")
        elif name == b"content-length":
            length = value.decode("latin-1")
    return kind, length


async def _asgi_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            raise ClientDisconnect()
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _body(app: ServiceApp, request: Request, model: type[M]) -> M:
    return _decode(await app.read_body(_head(request.scope["headers"]), request.stream()), model)


def _decode(raw: bytes, model: type[M]) -> M:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ServiceProblem("malformed", f"the body is not JSON: {exc.msg}", [Problem(
            f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno, code="json",
            hint="send one JSON object")]) from None
    if not isinstance(data, dict):
        raise ServiceProblem("invalid-request", "the body must be a JSON object", [Problem(
            f"a JSON {type(data).__name__} where an object is expected", code="not_an_object",
            hint=f"send an object with the fields of {model.__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, None, model=model)
        n = len(problems)
        raise ServiceProblem("invalid-request", f"{n} problem{'s' * (n != 1)} in the request body", problems) from None


def _too_large(limit: int) -> ServiceProblem:
    return ServiceProblem("body-too-large", f"the body is over {limit} bytes: send less (split a batch)", [Problem(
        f"at most {limit} bytes", code="too_large", hint="split the request")])


def _internal(exc: Exception) -> ServiceProblem:
    return ServiceProblem("internal", f"{type(exc).__name__}: the service failed on this request; the server log has "
                          "the details")


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceProblem)
    return problem_response(exc, request.url.path)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        problem = ServiceProblem("method", f"{request.method} is not allowed on {request.url.path}",
                                 headers=dict(exc.headers or {}))
    else:
        problem = ServiceProblem("not-found", f"nothing at {request.url.path}: GET /openapi.json lists the endpoints")
    return problem_response(problem, request.url.path)


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("request to %s failed", request.url.path)
    return problem_response(_internal(exc), request.url.path)
