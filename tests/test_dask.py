"""followup.dask on a real distributed.LocalCluster (2 worker processes): the same results as `followup batch`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import casegen
import followup
from followup.cli import cli

pytest.importorskip("distributed")
import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster

import followup.dask as fd

AT = "2026-11-20T09:00+00:00"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_port=0, host="127.0.0.1") as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return casegen.write(tmp_path_factory.mktemp("dask") / "cases.jsonl", 400, [7, 200, 399])


@pytest.fixture(scope="module")
def batch_lines(cases: Path) -> list[bytes]:
    out = cases.with_name("batch.jsonl")
    result = CliRunner().invoke(cli, ["batch", str(cases), "-o", str(out), "--pack", "proactive", "--at", AT])
    assert result.exit_code == 1, result.output
    return out.read_bytes().splitlines()


def test_bag_of_a_file_gives_the_lines_followup_batch_writes(client: Client, cases: Path, batch_lines: list[bytes]) -> None:
    bag = fd.read_jsonl(cases, partitions=5)
    assert bag.npartitions == 5
    got = fd.evaluate_bag(bag, "proactive", AT, source=str(cases), client=client).compute()
    assert [line.encode() for line in got] == batch_lines
    # the plugin built one evaluator per worker process, before any task ran
    from followup import batch

    kept = client.run(lambda: len(batch._shared))
    assert len(kept) == 2 and all(n == 1 for n in kept.values())


def test_bag_of_facts_and_a_dataframe_give_the_same_advice(client: Client, cases: Path, batch_lines: list[bytes]) -> None:
    expected = [orjson.loads(line) for line in batch_lines]
    texts = cases.read_bytes().splitlines()
    import dask.bag as db

    got = fd.evaluate_bag(db.from_sequence(texts, npartitions=3), "proactive", AT, client=client).compute()
    unnumbered = [{k: v for k, v in e.items() if k != "line"} for e in expected]
    got_rows = [orjson.loads(g) for g in got]
    assert [g for g in got_rows if g["ok"]] == [e for e in unnumbered if e["ok"]]
    assert [n for n, g in enumerate(got_rows, 1) if not g["ok"]] == [7, 200, 399]
    assert got_rows[199]["problems"][0]["path"] == "facts.interviewers.0.email"  # no line number: the path locates it

    rows = [t.decode() for t in texts]  # JSON text: dask turns object columns (dicts too) into strings
    frame = dd.from_pandas(pd.DataFrame({"facts": rows, "n": range(1, len(rows) + 1)}), npartitions=4)
    out = fd.evaluate_dataframe(frame, "proactive", AT, client=client).compute()
    assert list(out["n"]) == list(range(1, 401)), out["result"].iloc[0]
    assert out["ok"].iloc[0], out["result"].iloc[0][:600]
    assert [n for n, ok in zip(out["n"], out["ok"], strict=True) if not ok] == [7, 200, 399]
    for n in (1, 2, 398):
        assert orjson.loads(out["result"].iloc[n - 1]) == {k: v for k, v in expected[n - 1].items() if k != "line"}


def test_evaluate_bag_without_a_client_runs_on_the_local_scheduler(cases: Path, batch_lines: list[bytes]) -> None:
    got = fd.evaluate_bag(fd.read_jsonl(cases, partitions=2), "proactive", AT, source=str(cases)).compute(scheduler="sync")
    assert [line.encode() for line in got] == batch_lines
    assert followup.Engine  # the adapter builds its own engine per process
