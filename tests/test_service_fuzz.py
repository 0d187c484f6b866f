"""Property-based fuzzing of the live service from its own OpenAPI document: no answer may be a 5xx.

schemathesis turns every operation of /openapi.json into a hypothesis
strategy of requests, which are sent to a real `followup serve`; the
examples are bounded so the run stays short.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from service_support import running

EXAMPLES = 15  # per operation


def test_no_request_makes_the_service_fail(tmp_path: Path) -> None:
    with running("--max-batch", "20", "--max-days", "30", "--time-budget", "20", log=tmp_path / "server.log") as server:
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) == 9
        seen: list[int] = []
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def fuzz(case: schemathesis.Case) -> None:
                response = case.call(base_url=server.url, timeout=60)
                seen.append(response.status_code)
                assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:800])

            fuzz()
        assert any(s == 200 for s in seen) and any(400 <= s < 500 for s in seen)
