"""durable-rules' C module loads on every supported Python, or fails with the command that fixes it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from followup import EngineUnavailable
from followup.durable import REINSTALL, load_engine

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class _Refuse:
    """A meta-path finder that makes the C module's import fail like a 3.13 build without the define."""

    def __init__(self, times: int, message: str) -> None:
        self.left = times
        self.message = message
        self.flags: list[int] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "durable_rules_engine":
            self.flags.append(sys.getdlopenflags())
            if self.left:
                self.left -= 1
                raise ImportError(self.message)


@pytest.fixture
def refuse() -> Iterator[Any]:
    saved = sys.modules.pop("durable_rules_engine")
    finders: list[_Refuse] = []

    def install(times: int, message: str = "durable_rules_engine.so: undefined symbol: PyEval_CallObject") -> _Refuse:
        finder = _Refuse(times, message)
        finders.append(finder)
        sys.meta_path.insert(0, finder)
        return finder

    try:
        yield install
    finally:
        for f in finders:
            sys.meta_path.remove(f)
        sys.modules["durable_rules_engine"] = saved


def test_an_undefined_symbol_is_retried_with_lazy_binding(refuse: Any) -> None:
    import os

    finder = refuse(1)
    module = load_engine()
    assert isinstance(module, ModuleType) and hasattr(module, "create_ruleset")
    assert finder.flags[1] & os.RTLD_LAZY and not finder.flags[1] & os.RTLD_NOW
    assert sys.getdlopenflags() == finder.flags[0]  # restored for every later import


def test_a_build_that_cannot_load_names_the_reinstall_command(refuse: Any) -> None:
    refuse(2)
    with pytest.raises(EngineUnavailable, match="rebuild it with") as info:
        load_engine()
    assert REINSTALL in str(info.value) and "PyEval_CallObject=PyObject_CallObject" in REINSTALL


def test_a_missing_module_names_the_install_command(refuse: Any) -> None:
    refuse(1, "No module named 'durable_rules_engine'")
    with pytest.raises(EngineUnavailable, match="not installed") as info:
        load_engine()
    assert REINSTALL in str(info.value)


def test_the_cli_reports_an_unusable_engine_without_a_traceback() -> None:
    code = """
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "durable_rules_engine":
            raise ImportError("x.so: undefined symbol: PyEval_CallObject")
sys.meta_path.insert(0, Refuse())
from followup.cli import main
sys.argv = ["followup", "advise", sys.argv[1]]
main()
"""
    run = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "just-after.yaml")], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "rebuild it with" in run.stderr and "pip install --force-reinstall" in run.stderr


def test_this_python_evaluates() -> None:
    import followup

    advice = followup.advise(EXAMPLES / "just-after.yaml", pack="proactive", at="2026-11-17T16:00+00:00")
    assert advice.actions, sys.version
