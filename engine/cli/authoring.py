"""Commands for pack authors: validate, test, schema, new-pack."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..errors import PackNotFound, Problem
from ..packs import is_pack_path
from .base import InputFailure, cli, engine_from, failing_input

__all__ = ["validate", "test", "schema", "new_pack_command"]


class OutputFailure(click.ClickException):
    """A file could not be written where asked; exit 2 like other bad input."""

    exit_code = 2


def _show(p: Problem) -> str:
    text = f"{p.where}: {p.severity}: {p.message}"
    if p.hint:
        text += f"\n    fix: {p.hint}"
    return text


@cli.command()
@click.argument("packs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Output the findings as JSON.")
@click.pass_context
def validate(ctx: click.Context, packs: tuple[str, ...], as_json: bool) -> None:
    """Check pack files (or every pack in a folder): shape, names, inheritance, and rules that can never fire or clash.

    Exit 0: no findings. 1: errors or warnings found. 2: a file cannot be read or is not a pack.
    """
    from ..discovery import pack_files_in
    from ..lint import validate_pack

    engine = engine_from(ctx)
    worst = 0
    out = []
    paths: list[str | Path] = []
    for ref in packs:
        if os.path.isdir(ref):  # os.path never raises on names too long for the file system
            paths += pack_files_in(Path(ref)) or [ref]  # an empty folder is reported as not a pack
        elif not os.path.exists(ref) and not is_pack_path(ref):
            try:
                paths.append(engine.find_pack(ref))
            except PackNotFound as exc:
                raise InputFailure(exc) from None
        else:
            paths.append(ref)
    for path in paths:
        result = validate_pack(path, lambda name, requester: engine.find_pack(name, skip=requester))
        worst = max(worst, result.exit_code)
        out.append(result)
    if as_json:
        click.echo(json.dumps([{"path": r.path, "exit_code": r.exit_code,
                                "problems": [p.as_dict() for p in r.problems]} for r in out], indent=2, ensure_ascii=False))
    else:
        for r in out:
            for p in r.problems:
                click.echo(_show(p))
            if r.unreadable:
                click.echo(f"{r.path}: cannot be checked (not a readable pack)")
            elif r.problems:
                ne, nw = len(r.errors), len(r.warnings)
                click.echo(f"{r.path}: {ne} error{'s' * (ne != 1)}, {nw} warning{'s' * (nw != 1)}")
            else:
                n = len(r.resolved.file.pack.rules) if r.resolved else 0
                click.echo(f"{r.path}: ok ({n} rule{'s' * (n != 1)})")
    ctx.exit(worst)


@cli.command()
@click.argument("target", default=".")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Fail when fewer than this percent of the pack's own rules fired in some case.")
@click.pass_context
@failing_input
def test(ctx: click.Context, target: str, min_coverage: float) -> None:
    """Run a pack's YAML test cases and report which rules no case fired.

    TARGET is a pack file (its cases are in tests/NAME.yaml beside it), a test file,
    a folder, or a pack name. Exit 0: all passed; 1: a case failed (or coverage is
    below --min-coverage); 2: a test file or pack is invalid.
    """
    from ..packtests import render, run_tests

    run = run_tests(target, engine_from(ctx))
    click.echo(render(run), nl=False)
    low = [c for c in run.coverage if c.percent < min_coverage]
    for c in low:
        click.echo(f"coverage of {c.pack.name} is {c.percent:.0f}%, below --min-coverage {min_coverage:.0f}%")
    if run.untested and min_coverage > 0:
        click.echo(f"{len(run.untested)} pack(s) without tests: 0% coverage, below --min-coverage {min_coverage:.0f}%")
    ctx.exit(1 if run.failed or low or (run.untested and min_coverage > 0) else 0)


@cli.command()
@click.argument("kind", type=click.Choice(["pack", "facts", "tests"]))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of printing.")
def schema(kind: str, output: str | None) -> None:
    """Print the JSON Schema of a pack, a facts file or a pack's test file (for editors and other tools)."""
    from ..schema import schema_text
    from ..yamlio import atomic_write

    text = schema_text(kind)
    if output:
        try:
            atomic_write(output, text)
        except OSError as exc:
            raise OutputFailure(f"cannot write {output}: {exc.strerror or exc}; choose another path") from None
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@cli.command("new-pack")
@click.argument("name")
@click.option("--extends", "base", default=None, help="Pack to build on: a name (e.g. conservative) or a path.")
@click.option("--dir", "folder", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write NAME.yaml (and tests/NAME.yaml) in.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.pass_context
@failing_input
def new_pack_command(ctx: click.Context, name: str, base: str | None, folder: str, force: bool) -> None:
    """Write a commented starting pack NAME.yaml and its test file tests/NAME.yaml."""
    from ..scaffold import new_pack

    if base is not None and not is_pack_path(base):
        engine_from(ctx).find_pack(base)  # fail now, with a did-you-mean, rather than at first use
    try:
        made = new_pack(name, extends=base, folder=folder, force=force)
    except OSError as exc:
        raise OutputFailure(f"cannot write the pack into {folder}: {exc.strerror or exc}; "
                                   "choose a folder you can write to with --dir") from None
    click.echo(f"wrote {made.pack}\nwrote {made.tests}")
    click.echo(f"next: edit {made.pack.name}, then `followup validate {made.pack}` and `followup test {made.pack}`")
