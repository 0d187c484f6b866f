"""Channels `terminal`, `json` and `markdown`: advice as text, to standard output or a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followup import render
from followup.channels import Channel, ChannelTarget, Delivery, option_choice, option_int
from followup.hookspecs import hookimpl
from followup.yamlio import atomic_write


def _write(arg: str | None, text: str, delivery: Delivery) -> str:
    if arg in (None, "-"):
        delivery.stdout.write(text)
        delivery.stdout.flush()
        return "standard output"
    path = Path(arg).expanduser()
    atomic_write(path, text)
    return str(path)


class TerminalChannel(Channel):
    name = "terminal"
    description = "The ranked actions as a numbered list (colour on a terminal; a table on a wide one)."
    options = {
        "style": "table, list or auto (default: the list; the table on a terminal at least 160 columns wide)",
        "color": "auto, always or never (default auto: colour only on a terminal)",
        "width": "columns to lay out for (default: the terminal's width up to 100; 80 or $COLUMNS when piped)",
    }

    def __init__(self, target: ChannelTarget) -> None:
        super().__init__(target)
        self.style = option_choice(self, "style", ("auto", "table", "list"))
        self.color = option_choice(self, "color", ("auto", "always", "never"))
        self.width = option_int(self, "width", 0, minimum=0) or None

    def deliver(self, delivery: Delivery) -> str:
        out = delivery.stdout
        tty = bool(getattr(out, "isatty", lambda: False)())
        color = {"auto": None, "always": True, "never": False}[self.color]
        # The table needs room for five columns; below TABLE_WIDTH it wraps every cell into a tall column.
        wide = tty and (self.width or _columns()) >= TABLE_WIDTH
        style = self.style if self.style != "auto" else ("table" if wide else "list")
        if style == "list":
            if tty or color:
                render.print_list(delivery.advice, out, explain=delivery.explain, color=color, width=self.width)
            else:
                out.write(render.render_list(delivery.advice, explain=delivery.explain,
                                             width=self.width or render.output_width()))
            out.flush()
        else:
            render.render_text(delivery.advice, file=out, explain=delivery.explain, color=color, width=self.width)
        return "terminal" if tty else "standard output"


TABLE_WIDTH = 160


class JsonChannel(Channel):
    name = "json"
    description = "The Advice as JSON (schema: docs/advice.schema.json), to standard output or FILE."
    arg_help = "FILE (default: standard output)"

    def deliver(self, delivery: Delivery) -> str:
        return _write(self.target.arg, render.render_json(delivery.advice), delivery)


class MarkdownChannel(Channel):
    name = "markdown"
    description = "The advice as a Markdown list, to standard output or FILE."
    arg_help = "FILE (default: standard output)"

    def deliver(self, delivery: Delivery) -> str:
        return _write(self.target.arg, render.render_markdown(delivery.advice, explain=delivery.explain), delivery)


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(TerminalChannel)
    register(JsonChannel)
    register(MarkdownChannel)


def _columns() -> int:
    import shutil  # only on a terminal: shutil brings bz2 and lzma

    return shutil.get_terminal_size((80, 24)).columns
