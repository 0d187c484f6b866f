"""What every `followup` command shares: the click group, the engine, and bad input as exit 2.

Command modules import this one; it imports none of them, so imports run one way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..engine import Engine
from ..errors import EngineUnavailable, FollowupError, InputError, PackNotFound, PluginError
from ..version import __version__

F = TypeVar("F", bound=Callable[..., Any])


class InputFailure(click.ClickException):
    """Bad input: every problem, located, with its fix; exit 2."""

    exit_code = 2

    def __init__(self, error: FollowupError) -> None:
        super().__init__(str(error))

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


def engine_from(ctx: click.Context) -> Engine:
    obj = ctx.ensure_object(dict)
    if "engine" not in obj:
        try:
            obj["engine"] = Engine()
        except PluginError as exc:
            raise InputFailure(exc) from None
    engine: Engine = obj["engine"]
    return engine


def failing_input(fn: F) -> F:
    """Turn library errors into located CLI errors (exit 2) instead of tracebacks."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InputError, PackNotFound, PluginError) as exc:
            raise InputFailure(exc) from None
        except EngineUnavailable as exc:  # an installation problem, not the input's: exit 1
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="followup")
def cli() -> None:
    """Ranked next actions after a job interview, under the advice style of your choice."""
