"""The `followup` command: a thin click layer over the library.

Each command module registers its commands on the group in `base`; this
package (and nowhere else) has them imported, which keeps the imports one
way: this package -> the command modules -> `base` -> the library.

They are imported when a command is first wanted (see `base.LazyGroup`), so
`followup advise` does not pay for the libraries behind other commands. A
module missing from COMMANDS below still works, only slower to start.
"""

from __future__ import annotations

from .base import cli

# Every command module, in the order their commands are registered (and listed by --help).
MODULES = ("advise", "agenda", "authoring", "batch", "compare", "delivery", "init", "record", "serve", "vocabulary")
# Which module registers each command.
COMMANDS = {
    "advise": "advise", "packs": "advise",
    "validate": "authoring", "test": "authoring", "schema": "authoring", "new-pack": "authoring",
    "batch": "batch",
    "compare": "compare", "plan": "compare",
    "plugins": "delivery", "outbox": "delivery",
    "init": "init",
    "record": "record", "done": "record", "snooze": "record", "dismiss": "record", "restore": "record",
    "serve": "serve",
    "agenda": "agenda",
    "sources": "vocabulary", "facts": "vocabulary", "actions": "vocabulary",
}
cli.lazy(__name__, COMMANDS, MODULES)

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="followup")
