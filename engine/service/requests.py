"""The request bodies, as strict models: a misspelt key is a located 422, not ignored.

`facts` is taken as a JSON object here and validated by followup's own facts
model afterwards, so its problems read exactly as the CLI's (paths prefixed
with `facts`). Pack names are names only, never paths: a request cannot make
the service read a file of its choosing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AdviseRequest", "CompareRequest", "PlanRequest", "ValidateRequest", "BatchRequest", "PACK_NAME"]

PACK_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
PackName = Annotated[str, Field(pattern=PACK_NAME)]
_AT = ("Evaluation time, ISO 8601 (e.g. 2026-11-18T09:00+00:00); without an offset it is read in the company's "
       "time zone; default: now.")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AdviseRequest(_Request):
    facts: dict[str, Any] = Field(description="The interview facts (see the Facts schema).")
    pack: str | None = Field(default=None, pattern=PACK_NAME, description="Pack name; default: the service's default pack.")
    at: str | None = Field(default=None, max_length=64, description=_AT)
    explain: bool = Field(default=False, description="Add the because-trace to every action.")


class CompareRequest(_Request):
    facts: dict[str, Any] = Field(description="The interview facts (see the Facts schema).")
    packs: list[PackName] | None = Field(default=None, min_length=1, max_length=20,
                                    description="Pack names; default: every pack the service knows.")
    at: str | None = Field(default=None, max_length=64, description=_AT)


class PlanRequest(_Request):
    facts: dict[str, Any] = Field(description="The interview facts (see the Facts schema).")
    packs: list[PackName] | None = Field(default=None, min_length=1, max_length=20,
                                    description="Pack names; default: every pack the service knows.")
    start: str | None = Field(default=None, max_length=64, description="Start of the simulation. " + _AT)
    days: int = Field(default=21, ge=1, description="Days to simulate (the service sets a maximum).")
    replies: str | None = Field(default=None, max_length=500,
                                description="Simulated replies, e.g. `update@5,offer@12` (kind@day after the interview).")


class ValidateRequest(_Request):
    text: str = Field(description="The pack file's text (YAML).")
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
                             description="File name to report problems under; default: pack.yaml.")


class BatchRequest(_Request):
    inputs: dict[str, Any] = Field(description="Inputs keyed by your ids: each the facts, or {facts, at}.")
    pack: str | None = Field(default=None, pattern=PACK_NAME, description="Pack name; default: the service's default pack.")
    packs: list[PackName] | None = Field(default=None, min_length=1, max_length=20,
                                    description="Several packs: each result's advice is keyed by pack name.")
    at: str | None = Field(default=None, max_length=64, description="For inputs that give none. " + _AT)
    explain: bool = Field(default=False, description="Add the because-trace to every action.")
