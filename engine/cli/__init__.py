"""The `followup` command: a thin click layer over the library.

Each command module registers its commands on the group in `base`; importing
them here (and nowhere else) keeps the imports one way: this package -> the
command modules -> `base` -> the library.
"""

from __future__ import annotations

from . import advise, authoring, batch, compare, delivery, init  # noqa: F401  (register their commands)
from .base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="followup")
