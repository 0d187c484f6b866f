"""`followup new-pack`: a starting pack and test file that validate and pass as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from authoring_support import run
from followup.errors import PackError
from followup.scaffold import new_pack
from followup.schema import shipped_schema


@pytest.mark.parametrize("base", [None, "conservative", "proactive", "tech-industry"])
def test_new_pack_validates_and_passes(tmp_path: Path, base: str | None) -> None:
    args = ["new-pack", "agency", "--dir", str(tmp_path)] + (["--extends", base] if base else [])
    made = run(*args)
    assert made.exit_code == 0, made.output
    assert made.output.splitlines()[:2] == [f"wrote {tmp_path / 'agency.yaml'}", f"wrote {tmp_path / 'tests' / 'agency.yaml'}"]
    text = (tmp_path / "agency.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schemas/pack.schema.json"
    tests_text = (tmp_path / "tests" / "agency.yaml").read_text(encoding="utf-8")
    assert tests_text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/tests.schema.json"
    # the schemas travel with the folder: relative to each file, they exist and are the installed ones
    assert (tmp_path / "schemas" / "pack.schema.json").read_text() == shipped_schema("pack")
    assert (tmp_path / "tests" / "../schemas/tests.schema.json").read_text() == shipped_schema("tests")
    assert (f"extends: {base}" in text) is (base is not None)
    checked = run("validate", str(tmp_path / "agency.yaml"))
    assert checked.exit_code == 0, checked.output
    tested = run("test", str(tmp_path / "agency.yaml"), "--min-coverage", "100")
    assert tested.exit_code == 0, tested.output
    assert "== 2 passed ==" in tested.output


def test_extends_a_path_is_written_relative_to_the_new_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("new-pack", "base", "--dir", "shared").exit_code == 0
    made = run("new-pack", "mine", "--dir", "packs/mine", "--extends", "shared/base.yaml")
    assert made.exit_code == 0, made.output
    assert "extends: ../../shared/base.yaml" in (tmp_path / "packs/mine/mine.yaml").read_text(encoding="utf-8")
    # the inherited rule and the new one share an id: the new pack must rename its own
    checked = run("validate", "packs/mine/mine.yaml")
    assert checked.exit_code == 1
    assert "rule `notes-after-a-mixed-interview` is already defined in `base`" in checked.output


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    assert run("new-pack", "agency", "--dir", str(tmp_path)).exit_code == 0
    again = run("new-pack", "agency", "--dir", str(tmp_path))
    assert again.exit_code == 2
    assert f"{tmp_path / 'agency.yaml'} already exists" in again.output
    assert "pass --force to overwrite" in again.output
    assert run("new-pack", "agency", "--dir", str(tmp_path), "--force").exit_code == 0


def test_bad_name_and_unknown_base(tmp_path: Path) -> None:
    bad = run("new-pack", "My Pack", "--dir", str(tmp_path))
    assert bad.exit_code == 2 and "pack name 'My Pack' must be lower-case letters, digits and hyphens" in bad.output
    unknown = run("new-pack", "agency", "--extends", "conservatve", "--dir", str(tmp_path))
    assert unknown.exit_code == 2 and "did you mean `conservative`?" in unknown.output
    assert not (tmp_path / "agency.yaml").exists()


def test_library_call(tmp_path: Path) -> None:
    made = new_pack("lib-pack", extends="proactive", folder=tmp_path)
    assert made.pack == tmp_path / "lib-pack.yaml" and made.tests.is_file()
    with pytest.raises(PackError, match="already exists"):
        new_pack("lib-pack", folder=tmp_path)


def test_unwritable_places_are_clear_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    made = run("new-pack", "agency", "--dir", str(blocker / "sub"))
    assert made.exit_code == 2
    assert f"Error: cannot write the pack into {blocker / 'sub'}" in made.output and "Traceback" not in made.output
    schema = run("schema", "pack", "-o", str(blocker / "x.json"))
    assert schema.exit_code == 2 and f"Error: cannot write {blocker / 'x.json'}" in schema.output
