"""Setting a slot of a frozen object the engine makes itself, without object.__setattr__."""

from __future__ import annotations

from collections.abc import Callable
from types import MemberDescriptorType
from typing import Any

__all__ = ["slot_setter"]


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """What sets slot `name` of `cls`'s objects: the slot's own descriptor.

    Frozen classes (pydantic's frozen models, frozen dataclasses) refuse their
    own __setattr__, and object.__setattr__ looks the name up on the type at
    every call: about twice the descriptor's cost, for objects the engine makes
    by the dozen per evaluation. A class that keeps `name` elsewhere than in a
    slot gets object.__setattr__.
    """
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if slot is not None:
            if isinstance(slot, MemberDescriptorType):
                return slot.__set__
            break
    return lambda obj, value: object.__setattr__(obj, name, value)
