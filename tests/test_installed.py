"""A pip user without a checkout: the wheel carries the examples and schemas, and the first commands work.

The wheel is built from a copy of the sources (so the checkout gains no build/
folder), installed with `pip install --target` into an empty folder, and run
from another empty folder; dependencies come from this environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    for part in ("engine", "plugins", "policies", "examples"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, src / part)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(work / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("followup-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "followup/examples/just-after.yaml" in names and "followup/examples/corpus/01-evening-after-formal.yaml" in names
    assert {"followup/policies/schemas/pack.schema.json", "followup/policies/schemas/facts.schema.json"} <= set(names)
    site = work / "site"
    put = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                          str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert put.returncode == 0, put.stderr
    return site


def followup(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The installed copy first on the path, ahead of the checkout's editable install.
    code = (f"import sys; sys.path.insert(0, {str(site)!r}); import followup; "
            f"assert followup.__file__.startswith({str(site)!r}), followup.__file__; "
            "from followup.cli import main; sys.argv[0] = 'followup'; main()")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "FOLLOWUP_HOME": str(cwd / ".state")})


def test_init_an_example_then_advise_it_without_a_checkout(installed: Path, tmp_path: Path) -> None:
    listed = followup(installed, tmp_path, "init", "--list-examples")
    assert listed.returncode == 0 and "just-after" in listed.stdout, listed.stderr
    made = followup(installed, tmp_path, "init", "--example", "just-after")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "just-after.yaml").is_file()
    advice = followup(installed, tmp_path, "advise", "just-after.yaml", "--pack", "proactive")
    assert advice.returncode == 0, advice.stderr
    assert "Send a thank-you to Dana Lee by email" in advice.stdout
    assert "As of Tue 17 Nov 2026 16:00 Europe/London (from the file's `# at:` line)" in advice.stdout


def test_a_new_pack_points_at_schemas_it_carries_with_it(installed: Path, tmp_path: Path) -> None:
    made = followup(installed, tmp_path, "new-pack", "agency", "--extends", "conservative")
    assert made.returncode == 0, made.stderr
    first = (tmp_path / "agency.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schemas/pack.schema.json"
    assert (tmp_path / "schemas" / "pack.schema.json").is_file() and str(installed) not in first
    tested = followup(installed, tmp_path, "test", "agency.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
