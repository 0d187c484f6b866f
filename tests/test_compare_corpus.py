"""followup compare --corpus: every case in a folder under every pack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import followup
from followup.casefiles import load_corpus
from followup.cli import cli
from followup.corpus_compare import CorpusComparison, compare_corpus, kendall_tau
from followup.errors import FactsError

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine()


@pytest.fixture(scope="module")
def result(engine: followup.Engine) -> CorpusComparison:
    return compare_corpus(CORPUS, ["conservative", "proactive", "tech-industry"], engine=engine)


# --- Kendall tau-b, checked against hand-worked values ---------------------------------------

def test_kendall_tau_known_values() -> None:
    assert kendall_tau([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)  # 2 concordant, 1 discordant
    # tau-b with a tie in y: C=2, D=0, ties only in y=1 -> 2 / sqrt(3 * 2)
    assert kendall_tau([1, 2, 3], [1, 1, 2]) == pytest.approx(2 / 6 ** 0.5)
    assert kendall_tau([1], [1]) is None
    assert kendall_tau([1, 1], [1, 2]) is None  # no variation in x
    with pytest.raises(ValueError):
        kendall_tau([1, 2], [1])


@given(st.lists(st.integers(0, 20), min_size=2, max_size=12, unique=True))
def test_kendall_tau_is_symmetric_and_bounded(xs: list[int]) -> None:
    ys = list(reversed(xs))
    tau = kendall_tau(xs, ys)
    assert tau is not None and -1.0 <= tau <= 1.0
    assert kendall_tau(ys, xs) == pytest.approx(tau)
    assert kendall_tau(xs, xs) == pytest.approx(1.0)


# --- the example corpus ------------------------------------------------------------------------

def test_every_case_is_read_with_its_at_line() -> None:
    cases = load_corpus(CORPUS)
    assert len(cases) >= 8
    by_name = {c.name: c for c in cases}
    assert by_name["04-date-passed"].at.isoformat() == "2026-11-20T09:30:00-05:00"
    assert all(c.at.tzinfo is not None for c in cases)


def test_corpus_summary(result: CorpusComparison) -> None:
    assert len(result.cases) == len(list(CORPUS.glob("*.yaml")))
    assert 0.0 < result.top_agreement < 1.0
    assert result.top_agreement == sum(c.top_agree for c in result.cases) / len(result.cases)
    assert [(p.a, p.b) for p in result.pairs] == [("conservative", "proactive"), ("conservative", "tech-industry"),
                                                  ("proactive", "tech-industry")]
    for pair in result.pairs:
        assert pair.tau_mean is None or -1.0 <= pair.tau_mean <= 1.0
        assert 0 < pair.tau_cases <= pair.cases


def test_top_actions_per_case(result: CorpusComparison) -> None:
    offer = result.case("07-offer-this-morning")
    # all answer the offer first, by email: no article names a channel, so no style picks its own
    assert offer.top == {"conservative": "reply_offer: Laura Finch (email)",
                         "proactive": "reply_offer: Laura Finch (email)",
                         "tech-industry": "reply_offer: Laura Finch (email)"}
    assert offer.top_agree
    waiting = result.case("03-waiting-a-week")
    assert waiting.top["proactive"] == "status_check: Sabine Vogel (phone)"
    assert waiting.top["conservative"] == "status_check: Sabine Vogel (email)"
    assert not waiting.top_agree
    assert result.case("06-two-unanswered").top_agree


def test_actions_only_one_pack_gives(result: CorpusComparison) -> None:
    only = {(o.pack, o.kind, o.avoid): o for o in result.only_one}
    assert ("proactive", "formal_letter", False) in only  # the T8 letter is proactive's alone
    assert ("conservative", "connect_linkedin", True) in only  # no LinkedIn before a decision
    for o in result.only_one:
        assert o.count == len(o.cases) >= 1


def test_most_disagreeing_cases_come_first(result: CorpusComparison) -> None:
    worst = [result.case(n) for n in result.most_disagreeing]
    assert len(worst) == 3
    assert worst[0].disagreement == max(c.disagreement for c in result.cases)
    assert result.case("08-rejected-yesterday").case not in result.most_disagreeing


def test_json_leaves_out_the_per_case_detail(result: CorpusComparison) -> None:
    data = json.loads(result.to_json())
    assert "comparison" not in data["cases"][0]
    assert data["cases"][0]["top"]


# --- CLI -------------------------------------------------------------------------------------------

def test_cli_corpus_text(engine: followup.Engine) -> None:
    r = CliRunner().invoke(cli, ["compare", "--corpus", str(CORPUS)], obj={"engine": engine},
                           catch_exceptions=False)
    assert r.exit_code == 0
    out = " ".join(r.output.split())
    assert f"Packs compared over {len(list(CORPUS.glob('*.yaml')))} cases" in out
    assert "same action first in" in out and "Kendall" in out and "Where they disagree most" in out


@pytest.mark.parametrize("fmt,needle", [("markdown", "## Actions only one pack gives"), ("html", "<h2>Pairs</h2>"),
                                        ("json", '"top_agreement"')])
def test_cli_corpus_formats(engine: followup.Engine, fmt: str, needle: str) -> None:
    r = CliRunner().invoke(cli, ["compare", "--corpus", str(CORPUS), "--packs", "conservative,proactive",
                                 "--format", fmt], obj={"engine": engine})
    assert r.exit_code == 0 and needle in r.output


def test_a_case_without_at_line_is_located(engine: followup.Engine, tmp_path: Path) -> None:
    shutil.copy(CORPUS / "03-waiting-a-week.yaml", tmp_path)
    (tmp_path / "no-time.yaml").write_text((CORPUS / "03-waiting-a-week.yaml").read_text(encoding="utf-8")
                                           .replace("# at:", "# was:"), encoding="utf-8")
    with pytest.raises(FactsError, match="no `# at:` line"):
        load_corpus(tmp_path)
    r = CliRunner().invoke(cli, ["compare", "--corpus", str(tmp_path)], obj={"engine": engine})
    assert r.exit_code == 2
    assert f"{tmp_path / 'no-time.yaml'}:1:1" in r.output and "fix:" in r.output


def test_an_empty_folder_and_at_with_corpus_are_refused(engine: followup.Engine, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["compare", "--corpus", str(tmp_path)], obj={"engine": engine})
    assert r.exit_code == 2 and "no fact files" in r.output
    r = CliRunner().invoke(cli, ["compare", "--corpus", str(CORPUS), "--at", "2026-11-20T10:00"], obj={"engine": engine})
    assert r.exit_code == 2 and "# at:" in r.output
