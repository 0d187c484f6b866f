"""followup serve: a real server process on 127.0.0.1, spoken to over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate as validate_openapi

import followup
from followup.cli import cli
from service_support import Answer, Server, running

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


@pytest.fixture(scope="module")
def packs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack folder of our own: `base-style` (a copy of conservative) and `child-style` extending it."""
    folder = tmp_path_factory.mktemp("packs")
    text = (ROOT / "policies" / "conservative.yaml").read_text(encoding="utf-8")
    (folder / "base-style.yaml").write_text(text.replace("name: conservative", "name: base-style", 1), encoding="utf-8")
    (folder / "child-style.yaml").write_text(
        "name: child-style\ntitle: Child\nversion: '1'\nsummary: Extends base-style.\nextends: base-style\n",
        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, packs_dir: Path) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    with running("--max-batch", "5", "--max-body", "200000", "--decision-log", str(folder / "decisions.jsonl"),
                 env={"FOLLOWUP_PACKS_PATH": str(packs_dir)}, log=folder / "server.log") as s:
        s.decision_log = folder / "decisions.jsonl"  # type: ignore[attr-defined]
        yield s


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    return followup.load_facts(EXAMPLE).model_dump(mode="json", by_alias=True, exclude_defaults=True)


def problem(answer: Any, status: int, kind: str) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == f"urn:followup:problem:{kind}" and body["status"] == status and body["detail"]
    return body  # type: ignore[no-any-return]


def test_advise_answers_what_the_cli_says_for_the_example(server: Server, facts: dict[str, Any]) -> None:
    cli_run = CliRunner().invoke(cli, ["advise", str(EXAMPLE), "--pack", "proactive", "--format", "json"])
    expected = json.loads(cli_run.output)
    answer = server.call("/v1/advise", {"facts": facts, "pack": "proactive", "at": "2026-11-17T16:00:00+00:00"})
    assert answer.status == 200 and answer.headers["content-type"] == "application/json"
    got = answer.json()
    assert [(a["rule"], a["title"], a["due"]) for a in got["actions"]] == \
           [(a["rule"], a["title"], a["due"]) for a in expected["actions"]]
    assert got["at"] == expected["at"] and got["pack"]["name"] == "proactive"
    assert len(got["decision_id"]) == 36 and got["took_ms"] >= 0
    digest = hashlib.sha256()
    data = (ROOT / "policies" / "proactive.yaml").read_bytes()
    digest.update(b"%d:" % len(data) + data)
    assert got["revision"] == "sha256:" + digest.hexdigest()
    by_path = server.call("/v1/packs/proactive/advise", {"facts": facts, "at": AT, "explain": True}).json()
    assert [a["rule"] for a in by_path["actions"]] == [a["rule"] for a in got["actions"]]
    assert all(a["because"] is not None for a in by_path["actions"])  # keep-searching has no condition (O4)


def test_default_time_is_now_and_walking_time_changes_the_advice(server: Server, facts: dict[str, Any]) -> None:
    now = server.call("/v1/advise", {"facts": facts}).json()
    assert now["pack"]["name"] == "conservative" and now["at"] >= "2026-12"  # the service's clock, not the case's
    thank = []
    for day in ("17", "18", "19", "25"):
        got = server.call("/v1/advise", {"facts": facts, "pack": "conservative", "at": f"2026-11-{day}T17:00"}).json()
        thank.append({a["urgency"] for a in got["actions"] if a["kind"] == "thank_you"})
    assert thank[0] == {"upcoming"} or thank[0] == {"today"}
    assert thank[1] and thank[1] != thank[0]


def test_revision_follows_the_extends_chain(server: Server, facts: dict[str, Any], packs_dir: Path) -> None:
    def revision() -> str:
        answer = server.call("/v1/packs/child-style/advise", {"facts": facts, "at": AT})
        assert answer.status == 200, answer.body
        return str(answer.json()["revision"])

    before = revision()
    digest = hashlib.sha256()
    for name in ("base-style", "child-style"):
        data = (packs_dir / f"{name}.yaml").read_bytes()
        digest.update(b"%d:" % len(data) + data)
    assert before == "sha256:" + digest.hexdigest()
    base = packs_dir / "base-style.yaml"
    base.write_text(base.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    time.sleep(0.01)
    assert revision() != before  # the base changed, so the child's revision did


def test_facts_problems_are_problem_json_with_paths_and_fixes(server: Server, facts: dict[str, Any]) -> None:
    bad = {**facts, "interviewers": [{**facts["interviewers"][0], "email": "dana-at-example"}], "candidat": {}}
    body = problem(server.call("/v1/advise", {"facts": bad}), 422, "invalid-facts")
    paths = {p["path"]: p for p in body["problems"]}
    assert "facts.interviewers.0.email" in paths and "facts.candidat" in paths
    assert "did you mean `candidate`" in paths["facts.candidat"]["hint"]
    body = problem(server.call("/v1/advise", {"facts": facts, "at": "tomorrow"}), 422, "invalid-facts")
    assert body["problems"][0]["path"] == "at" and "ISO 8601" in body["problems"][0]["hint"]


def test_request_problems(server: Server, facts: dict[str, Any]) -> None:
    body = problem(server.call("/v1/advise", {"facts": facts, "pakc": "x"}), 422, "invalid-request")
    assert body["problems"][0]["path"] == "pakc" and "did you mean `pack`" in body["problems"][0]["hint"]
    body = problem(server.call("/v1/advise", {"facts": facts, "pack": "proactiv"}), 404, "pack-not-found")
    assert "did you mean `proactive`" in body["detail"]
    problem(server.call("/v1/advise", {"facts": facts, "pack": "../../etc/passwd"}), 422, "invalid-request")
    problem(server.call("/v1/packs/conservative/advise", {"facts": facts, "pack": "proactive"}), 422, "invalid-request")
    body = problem(server.call("/v1/advise", raw=b'{"facts": {'), 400, "malformed")
    assert body["problems"][0]["line"] == 1 and body["problems"][0]["column"]
    problem(server.call("/v1/advise", raw=b"facts", content_type="text/plain"), 415, "media-type")
    problem(server.call("/v1/advise", [1, 2]), 422, "invalid-request")
    problem(server.call("/v1/nothing", {}), 404, "not-found")
    problem(server.call("/v1/advise", method="GET"), 405, "method")


def test_limits_are_clear_4xx(server: Server, facts: dict[str, Any]) -> None:
    body = problem(server.call("/v1/advise", raw=b'{"facts": "' + b"x" * 300_000 + b'"}'), 413, "body-too-large")
    assert "200000 bytes" in body["detail"]
    body = problem(server.call("/v1/batch", {"inputs": {str(i): facts for i in range(6)}}), 413, "batch-too-large")
    assert body["problems"][0]["path"] == "inputs" and "5" in body["problems"][0]["hint"]
    body = problem(server.call("/v1/plan", {"facts": facts, "days": 400}), 422, "invalid-request")
    assert body["problems"][0]["path"] == "days"


def test_batch_keys_results_by_caller_ids_and_a_bad_input_is_an_entry(server: Server, facts: dict[str, Any]) -> None:
    inputs = {"mine-1": facts, "mine-2": {"facts": facts, "at": "2026-11-25T09:00"},
              "broken": {**facts, "interview": {**facts["interview"], "round": "2"}}, "odd": 7}
    answer = server.call("/v1/batch", {"inputs": inputs, "pack": "tech-industry", "at": AT})
    assert answer.status == 200, answer.body
    got = answer.json()
    assert list(got["results"]) == ["mine-1", "mine-2", "broken", "odd"] and got["errors"] == 2
    assert got["results"]["mine-1"]["advice"]["pack"]["name"] == "tech-industry"
    assert got["results"]["mine-2"]["advice"]["at"].startswith("2026-11-25")
    assert got["results"]["broken"]["problems"][0]["path"] == "interview.round"
    assert not got["results"]["odd"]["ok"]
    several = server.call("/v1/batch", {"inputs": {"a": facts}, "packs": ["conservative", "proactive"], "at": AT}).json()
    assert list(several["results"]["a"]["advice"]) == ["conservative", "proactive"]
    assert set(several["revisions"]) == {"conservative", "proactive"}


def test_compare_and_plan(server: Server, facts: dict[str, Any]) -> None:
    cmp = server.call("/v1/compare", {"facts": facts, "packs": ["conservative", "proactive"], "at": AT}).json()
    assert [p["name"] for p in cmp["packs"]] == ["conservative", "proactive"] and cmp["rows"] and cmp["decision_id"]
    expected = followup.compare(EXAMPLE, ["conservative", "proactive"], AT)
    assert len(cmp["rows"]) == len(expected.rows)
    plan = server.call("/v1/plan", {"facts": facts, "packs": ["proactive"], "start": AT, "days": 7}).json()
    assert [lane["pack"]["name"] for lane in plan["lanes"]] == ["proactive"] and plan["days"] == 7
    body = problem(server.call("/v1/compare", {"facts": facts, "packs": ["proactive", "proactive"]}), 422, "invalid-pack")
    assert body["problems"][0]["path"] == "packs"


def test_validate_locates_problems_in_pack_text(server: Server) -> None:
    text = "name: mine\ntitle: Mine\nversion: '1'\nsummary: s\nextends: proactive\nrules:\n  - id: x\n    actoin: thank_you\n"
    got = server.call("/v1/validate", {"text": text}).json()
    assert not got["ok"] and got["errors"] >= 1
    where = {(p["file"], p["line"]) for p in got["problems"]}
    assert ("mine.yaml", 8) in where
    good = server.call("/v1/validate", {"text": "name: mine\ntitle: Mine\nversion: '1'\nsummary: s\nextends: proactive\n"})
    assert good.json() == {"ok": True, "errors": 0, "warnings": 0, "rules": good.json()["rules"], "problems": []}
    assert good.json()["rules"] > 5
    sneaky = server.call("/v1/validate", {"text": "name: x\nextends: ../../../etc/hosts.yaml\n"}).json()
    assert sneaky["problems"][0]["path"] == "extends" and sneaky["problems"][0]["line"] == 2
    assert server.call("/v1/validate", {"text": "name: [unclosed\n"}).json()["problems"][0]["code"] == "syntax"


def test_packs_health_and_ready(server: Server) -> None:
    packs = {p["name"]: p for p in server.call("/v1/packs").json()["packs"]}
    assert {"conservative", "proactive", "tech-industry", "child-style"} <= set(packs)
    assert packs["child-style"]["extends"] == "base-style" and packs["proactive"]["revision"].startswith("sha256:")
    assert server.call("/health").json() == {"status": "ok"}
    ready = server.call("/health/ready").json()
    assert ready["status"] == "ready" and ready["default_pack"] == "conservative"


def test_decision_log_masks_people(server: Server, facts: dict[str, Any]) -> None:
    answer = server.call("/v1/advise", {"facts": facts, "pack": "proactive", "at": AT}).json()
    lines = [json.loads(line) for line in server.decision_log.read_text().splitlines()]  # type: ignore[attr-defined]
    mine = next(r for r in lines if r["decision_id"] == answer["decision_id"])
    assert mine["revision"] == answer["revision"] and mine["pack"] == "proactive"
    assert [r["rule"] for r in mine["result"]] == [a["rule"] for a in answer["actions"]]
    text = server.decision_log.read_text()  # type: ignore[attr-defined]
    for secret in ("Sam Rivera", "sam.rivera@example.org", "Dana Lee", "dana.lee@northwind.example", "Tomás"):
        assert secret not in text
    assert mine["input"]["interview"]["start"] == facts["interview"]["start"]  # times and vocabulary stay
    assert mine["input"]["position"]["industry"] == "technology"
    assert mine["input"]["candidate"]["name"].startswith("masked:")


def test_the_event_loop_answers_health_while_evaluations_run(server: Server, facts: dict[str, Any]) -> None:
    """A long plan holds a worker thread; /health keeps being answered before the plan's answer comes.

    Health is polled one request at a time, so an event loop blocked by the plan could answer at most
    the one request already waiting; three answers while the plan runs prove it is not blocked, however
    fast the machine is.
    """
    done = threading.Event()

    def long_plan() -> None:
        server.call("/v1/plan", {"facts": facts, "start": AT, "days": 366}, timeout=120)
        done.set()

    t = threading.Thread(target=long_plan)
    t.start()
    answered_while_planning = 0
    while not done.is_set():
        assert server.call("/health").status == 200
        answered_while_planning += not done.is_set()
    t.join(120)
    assert answered_while_planning >= 3


def test_time_budget_is_a_clear_4xx(tmp_path: Path, facts: dict[str, Any]) -> None:
    with running("--time-budget", "0.05", log=tmp_path / "server.log") as s:
        body = problem(s.call("/v1/plan", {"facts": facts, "start": AT, "days": 366}), 422, "time-budget")
        assert "0.05 s" in body["detail"]
        assert s.call("/health").status == 200  # the service is still there


def test_openapi_document_is_valid_3_1_and_describes_the_answers(server: Server, facts: dict[str, Any]) -> None:
    doc = server.call("/openapi.json").json()
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    assert schemas["Facts"]["properties"].keys() == followup.Facts.model_json_schema()["properties"].keys()

    def check(answer: Any, name: str) -> None:
        resolver = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
        jsonschema.validate(answer, resolver, cls=jsonschema.Draft202012Validator)

    check(server.call("/v1/advise", {"facts": facts, "at": AT, "explain": True}).json(), "AdviceResponse")
    check(server.call("/v1/batch", {"inputs": {"a": facts, "b": 1}, "at": AT}).json(), "BatchResponse")
    check(server.call("/v1/packs").json(), "PacksResponse")
    check(server.call("/v1/validate", {"text": "name: x\n"}).json(), "ValidateResponse")
    check(server.call("/v1/advise", {"facts": {}}).json(), "ProblemDetails")
    check(server.call("/v1/compare", {"facts": facts, "at": AT}).json(), "CompareResponse")
    check(server.call("/v1/plan", {"facts": facts, "start": AT, "days": 3}).json(), "PlanResponse")


def test_serve_refuses_an_unknown_default_pack_and_a_missing_server() -> None:
    result = CliRunner().invoke(cli, ["serve", "--pack", "nope"])
    assert result.exit_code == 1 and "no pack named 'nope'" in result.output
    if importlib.util.find_spec("uvicorn") is None:
        result = CliRunner().invoke(cli, ["serve", "--server", "uvicorn"])
        assert result.exit_code == 1 and "pip install" in result.output


def test_decision_paths_decode_like_starlette_and_stream_bodies_of_unknown_length(server: Server,
                                                                                  facts: dict[str, Any]) -> None:
    """granian serves decisions through RSGI (rsgi.py): a percent-encoded path is decoded as ASGI's is, a
    chunked body (no Content-Length) is read in full, and refused past the limit while it is read."""
    encoded = server.call("/v1/packs/pro%61ctive/advise", {"facts": facts, "at": AT})
    assert encoded.status == 200 and encoded.json()["pack"]["name"] == "proactive"
    host, port = server.url.removeprefix("http://").split(":")

    def chunked(parts: list[bytes]) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("POST", "/v1/advise", body=iter(parts), headers={"Content-Type": "application/json"},
                     encode_chunked=True)
        answer = conn.getresponse()
        status, body = answer.status, json.loads(answer.read())
        conn.close()
        return status, body

    raw = json.dumps({"facts": facts, "pack": "proactive", "at": AT}).encode()
    status, got = chunked([raw[:100], raw[100:1000], raw[1000:]])
    assert status == 200 and got["pack"]["name"] == "proactive" and got["actions"]
    status, got = chunked([b'{"facts": "' + b"x" * 100_000] * 3 + [b'"}'])
    assert status == 413 and got["type"] == "urn:followup:problem:body-too-large"


def test_short_decisions_run_on_the_loop_and_long_ones_under_the_time_budget(tmp_path: Path,
                                                                             facts: dict[str, Any]) -> None:
    """Decisions up to --inline-bytes naming at most 16 people are evaluated on the event loop (no time
    budget: they are short); others in a thread, cut at the budget like every other request. Three hundred
    people fit in 6 KB but take tens of ms: several of the interpreter's 5 ms turns between threads, so
    the loop is sure to see the budget pass while the evaluation runs (a hundred took 7-11 ms, and
    once finished within the loop's first turn)."""
    crowd = {**facts, "interviewers": [{"name": f"P{i}"} for i in range(300)]}
    short = {"facts": facts, "pack": "proactive", "at": AT}
    assert len(json.dumps({**short, "facts": crowd})) < 8192
    with running("--time-budget", "0.001", log=tmp_path / "server.log") as s:
        assert s.call("/v1/advise", short).status == 200  # on the loop: the budget does not apply
        problem(s.call("/v1/advise", {**short, "facts": crowd}), 422, "time-budget")
        assert s.call("/health").status == 200


def _asgi(app: Any, method: str, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> Answer:
    """One request to an ASGI app, as an ASGI server makes it (the body in the given chunks)."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    assert int(head["content-length"]) == len(body)
    return Answer(start["status"], head, body)


def test_the_asgi_app_answers_decisions_as_served(server: Server, facts: dict[str, Any]) -> None:
    """`create_app()` for other ASGI servers: decisions answered before Starlette's layers, the same
    answers as `followup serve` gives, and everything else through Starlette."""
    from followup.service import ServiceConfig, create_app

    app = create_app(ServiceConfig())
    app.start()
    raw = json.dumps({"facts": facts, "pack": "proactive", "at": AT}).encode()
    json_head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    got = _asgi(app, "POST", "/v1/advise", [raw[:500], raw[500:]], json_head[:1])
    assert got.status == 200 and got.headers["content-type"] == "application/json"
    served = server.call("/v1/advise", json.loads(raw)).json()
    mine = got.json()
    assert {k: v for k, v in mine.items() if k not in ("decision_id", "took_ms")} == \
           {k: v for k, v in served.items() if k not in ("decision_id", "took_ms")}
    problem(_asgi(app, "POST", "/v1/packs/conservative/advise", [raw], json_head), 422, "invalid-request")
    problem(_asgi(app, "POST", "/v1/advise", [b"{"], json_head[:1]), 400, "malformed")
    problem(_asgi(app, "POST", "/v1/advise", [raw], [(b"content-type", b"text/plain")]), 415, "media-type")
    problem(_asgi(app, "POST", "/v1/advise", [b"x" * 600_000] * 2, json_head[:1]), 413, "body-too-large")
    problem(_asgi(app, "POST", "/v1/advise", [raw], [(b"content-length", b"2000000")]), 413, "body-too-large")
    problem(_asgi(app, "GET", "/v1/advise", [b""], []), 405, "method")
    unknown = json.dumps({"facts": facts}).encode()
    body = problem(_asgi(app, "POST", "/v1/packs/nope/advise", [unknown], json_head[:1]), 404, "pack-not-found")
    assert body["instance"] == "/v1/packs/nope/advise"
    assert _asgi(app, "GET", "/health", [b""], []).json() == {"status": "ok"}
    app.stop()
