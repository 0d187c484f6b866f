"""What every `followup` command shares: the click group, the engine, and bad input as exit 2.

Command modules import this one; it imports none of them, so imports run one way."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import EngineUnavailable, FollowupError, InputError, PackNotFound, PluginError
from ..version import __version__

if TYPE_CHECKING:  # the library is imported by the commands that use it: not for --help or --version
    from ..engine import Engine

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
        from ..engine import Engine

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


_COLOR_KEY = "followup.color"


def _color_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--color auto|always|never on any command: click's own output (ctx.color) and rich renderers
    (color_from) follow it; under auto, a set NO_COLOR means never."""
    import os

    if value is not None:
        ctx.meta[_COLOR_KEY] = {"auto": None, "always": True, "never": False}[value]
    mode = ctx.meta.get(_COLOR_KEY)
    if mode is None and os.environ.get("NO_COLOR", ""):
        mode = False
    ctx.color = mode


def _color_option() -> click.Option:
    return click.Option(["--color"], type=click.Choice(["auto", "always", "never"]), default=None, expose_value=False,
                        is_eager=True, callback=_color_callback,
                        help="Colour: auto (default: on a terminal, unless NO_COLOR is set), always or never.")


def color_from(ctx: click.Context) -> bool | None:
    """The colour asked for: True, False, or None for auto (rich decides; NO_COLOR is honoured)."""
    value: bool | None = ctx.meta.get(_COLOR_KEY)
    return value


def with_color(targets: list[str], color: bool | None) -> list[str]:
    """Channel targets with an explicit --color passed on to the terminal channel."""
    if color is None:
        return targets
    value = "always" if color else "never"
    return [t + f",color={value}" if (t == "terminal" or t.startswith("terminal,")) and "color=" not in t else t
            for t in targets]


class ColorGroup(click.Group):
    """A group that gives every command (and sub-group) the same --color option."""

    group_class = type  # sub-groups are ColorGroups too, so their commands get --color

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(p.name == "color" for p in cmd.params):
            cmd.params.append(_color_option())
        super().add_command(cmd, name)


class LazyGroup(ColorGroup):
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
        self.summaries: dict[str, str] = {}  # command name -> first paragraph of its help

    def lazy(self, package: str, homes: dict[str, str], modules: tuple[str, ...],
             summaries: dict[str, str] | None = None) -> None:
        self.package, self.homes, self.modules = package, homes, modules
        self.summaries = dict(summaries or {})

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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from each command's summary: no command module is imported.

        Laid out as click lays it out (Group.format_commands); tests/test_startup.py
        checks that it is the list click writes with every module imported.
        """
        if set(self.summaries) != set(self.homes):  # a table out of step: ask the commands themselves
            super().format_commands(ctx, formatter)
            return
        commands = [(name, self.commands.get(name) or click.Command(name, help=text))
                    for name, text in sorted(self.summaries.items())]
        commands = [(name, cmd) for name, cmd in commands if not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="followup")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default=None, expose_value=False,
              is_eager=True, callback=_color_callback, help="Colour for every command: auto, always or never.")
def cli() -> None:
    """Ranked next actions after a job interview, under the advice style of your choice."""
    from ..entrypoints import skip_pydantic_scan

    skip_pydantic_scan()  # before any command builds a model
