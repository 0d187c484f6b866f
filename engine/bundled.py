"""The folders of packages shipped as plain files (followup's policies, tzdata), without importlib.resources.

importlib.resources answers for every way a package can be installed,
zip files included, and importing it (with zipfile, bz2 and lzma behind
it) costs a command that reads one bundled file more than the reading.
A package installed as files (pip's way) is a folder next to its
``__init__.py``; anything else is asked of importlib.resources as before.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["files"]


def files(package: str) -> Traversable:
    """What ``importlib.resources.files(package)`` gives: a Path when the package is a folder of files."""
    module = importlib.import_module(package)
    init = getattr(module, "__file__", None)
    if init:
        folder = Path(init).parent
        if folder.is_dir():
            return folder
    from importlib import resources

    return resources.files(package)
