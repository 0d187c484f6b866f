"""Errors as RFC 9457 `application/problem+json`, carrying the same located problems as the CLI.

Every error the service answers with is one :class:`ServiceProblem`: a
status, a stable type (`urn:followup:problem:<kind>`), a title, a detail
saying what to do, and `problems`, the list `followup validate --json` and
`followup batch` print (file, line, column, path, message, hint = the fix).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import Response

from ..errors import FollowupError, InputError, PackError, PackNotFound, Problem

__all__ = ["ServiceProblem", "problem_response", "from_error", "PROBLEM_TYPES", "MEDIA_TYPE"]

MEDIA_TYPE = "application/problem+json"

# kind -> (status, title); the OpenAPI document lists these as the error responses
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "malformed": (400, "The request body is not JSON"),
    "not-found": (404, "No such resource"),
    "method": (405, "Method not allowed"),
    "pack-not-found": (404, "No such pack"),
    "body-too-large": (413, "The request body is larger than the service accepts"),
    "batch-too-large": (413, "The batch holds more inputs than the service accepts"),
    "media-type": (415, "The request body must be JSON"),
    "invalid-request": (422, "The request does not have the expected shape"),
    "invalid-facts": (422, "The interview facts are invalid"),
    "invalid-pack": (422, "The pack cannot be used"),
    "time-budget": (422, "The request needs more time than the service allows one request"),
    "unavailable": (503, "The service is not ready"),
    "internal": (500, "The service failed"),
}


class ServiceProblem(Exception):
    """An error answer; raise it from a handler."""

    def __init__(self, kind: str, detail: str, problems: Sequence[Problem] = (), *, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status, self.title = PROBLEM_TYPES[kind]
        self.detail = detail
        self.problems = list(problems)
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self, instance: str) -> dict[str, Any]:
        return {"type": f"urn:followup:problem:{self.kind}", "title": self.title, "status": self.status,
                "detail": self.detail, "instance": instance, "problems": [p.as_dict() for p in self.problems],
                **self.extra}


def problem_response(problem: ServiceProblem, instance: str) -> Response:
    return Response(orjson.dumps(problem.body(instance)), status_code=problem.status, media_type=MEDIA_TYPE,
                    headers=problem.headers)


def from_error(exc: FollowupError, prefix: tuple[str | int, ...] = ()) -> ServiceProblem:
    """A library error as the answer to send: facts problems (paths under `prefix`), pack problems, unknown packs."""
    if isinstance(exc, PackNotFound):
        return ServiceProblem("pack-not-found", str(exc), [Problem(str(exc), path=("pack",), code="pack_not_found",
                                                                   hint="GET /v1/packs lists the packs")])
    if isinstance(exc, PackError):
        return ServiceProblem("invalid-pack", f"{len(exc.problems)} problem(s) in the pack: fix them "
                              "(POST the pack text to /v1/validate for the full report)", exc.problems)
    if isinstance(exc, InputError):
        problems = [p if p.code == "at" else _prefixed(p, prefix) for p in exc.problems]
        n = len(problems)
        return ServiceProblem("invalid-facts", f"{n} problem{'s' * (n != 1)} in the interview facts: each names "
                              "its field path and the fix", problems)
    return ServiceProblem("invalid-request", str(exc))


def _prefixed(p: Problem, prefix: tuple[str | int, ...]) -> Problem:
    from dataclasses import replace

    return replace(p, path=prefix + p.path) if prefix else p
