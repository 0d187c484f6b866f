"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

import followup
from followup.planning import Plan, plan

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the session: never the user's own (tests that need an empty one make their own)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> Path:
    """Every test gets its own FOLLOWUP_HOME (outbox, delivery log), the session's cache folder, and none of
    the user's settings."""
    home = tmp_path / "state"
    monkeypatch.setenv("FOLLOWUP_HOME", str(home))
    monkeypatch.setenv("FOLLOWUP_CACHE_DIR", str(cache_root))
    for name in ("FOLLOWUP_OUTBOX", "FOLLOWUP_LOAD_PLUGINS", "FOLLOWUP_PACKS_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_BACKOFF", "0.01")  # retries without slow sleeps
    return home


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    """One engine per test module (modules that want no third-party plugins define their own)."""
    return followup.Engine()


@pytest.fixture(scope="module")
def three_styles() -> Plan:
    """The just-after example planned under the three built-in packs for 21 days."""
    return plan(ROOT / "examples" / "just-after.yaml", ["conservative", "proactive", "tech-industry"],
                "2026-11-17T16:00", 21, engine=followup.Engine())

# A real SMTP server on 127.0.0.1 for the tests that send email digests.
# A real HTTP receiver on 127.0.0.1 for the delivery tests.
from delivery_support import receiver  # noqa: E402,F401
from mail_support import mailbox  # noqa: E402,F401
