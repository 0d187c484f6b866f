"""What a service instance is allowed to do: limits, default pack, decision log, threads."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

__all__ = ["ServiceConfig", "CONFIG_ENV"]

CONFIG_ENV = "FOLLOWUP_SERVICE_CONFIG"  # how `followup serve` hands its options to server worker processes


@dataclass(frozen=True)
class ServiceConfig:
    default_pack: str = "conservative"
    max_body_bytes: int = 1 << 20  # 1 MiB: a facts document is ~1.5 KB, a pack a few dozen KB
    max_batch: int = 1000  # inputs in one /v1/batch request
    max_days: int = 366  # days one /v1/plan request may simulate
    time_budget: float = 10.0  # seconds one request may take before it is answered 422
    threads: int = 4  # evaluations running at once per process (they hold the GIL; threads keep the loop free);
    # 0 evaluates on the event loop itself (measured in benchmarks/bench_scale.py; no time budget then)
    inline_bytes: int = 8192  # decision requests (/v1/advise) up to this size that name at most 16 people are
    # evaluated on the event loop, where the time budget does not apply: a few ms at most, and a hand-off to
    # a thread would cost each ~150 µs of CPU (measured in bench_scale.py); 0: always in threads
    decision_log: str | None = None  # JSON Lines file, personal fields masked; None: no log

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_batch", "max_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.inline_bytes < 0:
            raise ValueError("inline_bytes must be 0 or more")
        if self.threads < 0:
            raise ValueError("threads must be 0 or more")
        if self.time_budget <= 0:
            raise ValueError("time_budget must be more than 0 seconds")

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_env(cls) -> ServiceConfig:
        raw = os.environ.get(CONFIG_ENV)
        return cls(**json.loads(raw)) if raw else cls()
