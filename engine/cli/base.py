"""What every `followup` command shares: the click group, the engine, and bad input as exit 2.

Command modules import this one; it imports none of them, so imports run one way."""

from __future__ import annotations

import importlib
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


class LazyGroup(click.Group):
    """A group whose command modules are imported when one of their commands is wanted.

    `followup advise` then imports what advise needs, not the libraries behind
    compare, plan or init. A command missing from the table is still found:
    every module is imported when a name is not known (and for --help).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.package = ""
        self.homes: dict[str, str] = {}  # command name -> module registering it
        self.modules: tuple[str, ...] = ()  # every command module, in help order

    def lazy(self, package: str, homes: dict[str, str], modules: tuple[str, ...]) -> None:
        self.package, self.homes, self.modules = package, homes, modules

    def _load(self, module: str) -> None:
        importlib.import_module(f"{self.package}.{module}")

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            home = self.homes.get(cmd_name)
            if home is not None:
                self._load(home)
            if cmd_name not in self.commands:
                for module in self.modules:
                    self._load(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in self.modules:
            self._load(module)
        return super().list_commands(ctx)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="followup")
def cli() -> None:
    """Ranked next actions after a job interview, under the advice style of your choice."""
