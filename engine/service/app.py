"""The ASGI application: routes, body limits, the time budget, problem+json errors.

Starlette, not FastAPI: measured here, Starlette adds ~40 µs per validated
request over plain ASGI and FastAPI ~170 µs, and FastAPI's body parsing
rejects followup's strict models unless the raw body is validated by hand,
which is all this module does anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..engine import Engine
from ..errors import Problem
from ..yamlio import problems_from_validation
from .config import ServiceConfig
from .core import Service
from .problems import ServiceProblem, problem_response
from .requests import AdviseRequest, BatchRequest, CompareRequest, PlanRequest, ValidateRequest

__all__ = ["create_app", "app_from_env"]

log = logging.getLogger("followup.service")
JSON = "application/json"
M = TypeVar("M", bound=BaseModel)


def create_app(config: ServiceConfig | None = None, engine: Engine | None = None) -> Starlette:
    """The service as an ASGI app (serve it with any ASGI server; `followup serve` uses granian)."""
    config = config or ServiceConfig()
    service = Service(config, engine)
    limiter = anyio.CapacityLimiter(max(1, config.threads))
    pool = ThreadPoolExecutor(max(1, config.threads), thread_name_prefix="followup-eval")

    async def off_loop(fn: Callable[..., bytes], *args: Any) -> bytes:
        # Past the budget the answer goes out and the thread finishes on its own (it cannot be stopped).
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another event loop (trio): anyio's own threads
            with anyio.fail_after(config.time_budget):
                return await anyio.to_thread.run_sync(fn, *args, limiter=limiter, abandon_on_cancel=True)
        # On asyncio, the pool straight from the loop: about 60 µs of CPU per request against anyio's
        # 100 (measured), the largest cost of a request beyond its evaluation and the HTTP server's own.
        return await asyncio.wait_for(loop.run_in_executor(pool, fn, *args), config.time_budget)

    async def run(fn: Callable[..., bytes], *args: Any) -> Response:
        if config.threads == 0:  # on the loop: nothing else is served meanwhile
            return Response(fn(*args), media_type=JSON)
        try:
            body = await off_loop(fn, *args)
        except TimeoutError:
            raise ServiceProblem("time-budget", f"the request needed more than {config.time_budget:g} s: ask for less "
                                 "(fewer inputs, packs or days) or split it") from None
        return Response(body, media_type=JSON)

    async def advise(request: Request) -> Response:
        req = await _body(request, AdviseRequest, config)
        pack = request.path_params.get("pack")
        if pack is not None and req.pack is not None and req.pack != pack:
            raise ServiceProblem("invalid-request", "the pack in the body differs from the pack in the path", [Problem(
                f"`pack: {req.pack}` but the path names {pack}", path=("pack",), code="pack_mismatch",
                hint="leave `pack` out of the body when the path names the pack")])
        return await run(service.advise, req, pack)

    async def compare(request: Request) -> Response:
        return await run(service.compare, await _body(request, CompareRequest, config))

    async def plan(request: Request) -> Response:
        return await run(service.plan, await _body(request, PlanRequest, config))

    async def validate(request: Request) -> Response:
        return await run(service.validate, await _body(request, ValidateRequest, config))

    async def batch(request: Request) -> Response:
        return await run(service.batch, await _body(request, BatchRequest, config))

    async def packs(request: Request) -> Response:
        return await run(lambda: orjson.dumps({"packs": service.packs()}))

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type=JSON)

    async def ready(request: Request) -> Response:
        ok, body = await anyio.to_thread.run_sync(service.ready, limiter=limiter)
        return Response(orjson.dumps(body), status_code=200 if ok else 503, media_type=JSON)

    async def openapi(request: Request) -> Response:
        from .openapi import openapi_document

        return Response(orjson.dumps(openapi_document(config)), media_type=JSON)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # compile every pack before the first request, so no request pays for it
        await anyio.to_thread.run_sync(service.packs)
        yield
        pool.shutdown(wait=False, cancel_futures=True)
        if service.log is not None:
            service.log.close()

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
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        ServiceProblem: _on_problem, HTTPException: _on_http, Exception: _on_crash})
    app.state.service = service
    return app


def app_from_env() -> Starlette:
    """Factory for server worker processes: the configuration comes from FOLLOWUP_SERVICE_CONFIG."""
    return create_app(ServiceConfig.from_env())


async def _body(request: Request, model: type[M], config: ServiceConfig) -> M:
    kind = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if kind != JSON and not kind.endswith("+json"):
        raise ServiceProblem("media-type", f"the body is sent as {kind or 'nothing'}: send JSON with "
                             "Content-Type: application/json")
    limit = config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
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
    return problem_response(ServiceProblem("internal", f"{type(exc).__name__}: the service failed on this request; "
                                           "the server log has the details"), request.url.path)
