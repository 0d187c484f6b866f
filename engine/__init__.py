"""followup: job-interview follow-up advice as declarative policy packs.

    import followup

    advice = followup.advise("examples/just-after.yaml", pack="proactive", at="2026-11-17T17:00")
    print(advice.actions[0].title)   # Send a thank-you to Dana Lee by email
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .version import __version__ as __version__

if TYPE_CHECKING:  # what each name is, for type checkers; at run time see _LAZY
    from .channels import Channel, ChannelOptionError, ChannelTarget, Delivery
    from .comparison import Comparison, compare
    from .corpus_compare import CorpusComparison, compare_corpus
    from .default_engine import default_engine
    from .delivery import DeliveryResult
    from .engine import Engine, FactsInput, PackInput
    from .errors import (
        ChannelError,
        EngineUnavailable,
        FactsError,
        FollowupError,
        InputError,
        PackError,
        PackNotFound,
        PluginError,
        Problem,
    )
    from .facts import Facts, load_facts, parse_facts
    from .hookspecs import hookimpl
    from .needsinfo import Answer, NeedsInfo, Question
    from .outbox import Outbox
    from .planning import Plan, SimulatedReply, plan
    from .results import Action, Advice, BecauseItem, SourceRef, Target
    from .verdicts import Miss, RuleVerdict, TargetVerdict
    from .whatif import ActionChange, FactDelta, FactEdit, WhatIf
    from .whynot import Explanation, QuestionError, WhyNot

# Every public name and the module defining it, imported on first use: `import followup`
# (and so every `followup` command) pays only for what it touches.
_LAZY: dict[str, str] = {
    "Channel": ".channels",
    "ChannelOptionError": ".channels",
    "ChannelTarget": ".channels",
    "Delivery": ".channels",
    "Comparison": ".comparison",
    "compare": ".comparison",
    "CorpusComparison": ".corpus_compare",
    "compare_corpus": ".corpus_compare",
    "default_engine": ".default_engine",
    "DeliveryResult": ".delivery",
    "Engine": ".engine",
    "FactsInput": ".engine",
    "PackInput": ".engine",
    "ChannelError": ".errors",
    "EngineUnavailable": ".errors",
    "FactsError": ".errors",
    "FollowupError": ".errors",
    "InputError": ".errors",
    "PackError": ".errors",
    "PackNotFound": ".errors",
    "PluginError": ".errors",
    "Problem": ".errors",
    "Facts": ".facts",
    "load_facts": ".facts",
    "parse_facts": ".facts",
    "hookimpl": ".hookspecs",
    "Answer": ".needsinfo",
    "NeedsInfo": ".needsinfo",
    "Question": ".needsinfo",
    "Outbox": ".outbox",
    "Plan": ".planning",
    "SimulatedReply": ".planning",
    "plan": ".planning",
    "Action": ".results",
    "Advice": ".results",
    "BecauseItem": ".results",
    "SourceRef": ".results",
    "Target": ".results",
    "Miss": ".verdicts",
    "RuleVerdict": ".verdicts",
    "TargetVerdict": ".verdicts",
    "ActionChange": ".whatif",
    "FactDelta": ".whatif",
    "FactEdit": ".whatif",
    "WhatIf": ".whatif",
    "Explanation": ".whynot",
    "QuestionError": ".whynot",
    "WhyNot": ".whynot",
}

__all__ = [
    "advise",
    "default_engine",
    "Engine",
    "FactsInput",
    "PackInput",
    "Facts",
    "load_facts",
    "parse_facts",
    "Advice",
    "Action",
    "Target",
    "SourceRef",
    "BecauseItem",
    "hookimpl",
    "FollowupError",
    "InputError",
    "FactsError",
    "PackError",
    "PackNotFound",
    "PluginError",
    "ChannelError",
    "EngineUnavailable",
    "Problem",
    "Channel",
    "ChannelTarget",
    "ChannelOptionError",
    "Delivery",
    "DeliveryResult",
    "Outbox",
    "compare",
    "compare_corpus",
    "plan",
    "Comparison",
    "CorpusComparison",
    "Plan",
    "SimulatedReply",
    "WhyNot",
    "Explanation",
    "RuleVerdict",
    "TargetVerdict",
    "Miss",
    "QuestionError",
    "WhatIf",
    "ActionChange",
    "FactDelta",
    "FactEdit",
    "NeedsInfo",
    "Question",
    "Answer",
]



def advise(facts: FactsInput, pack: PackInput = "conservative", at: datetime | str | None = None, *, explain: bool = False) -> Advice:
    """Ranked next actions for `facts` (a Facts, dict, JSON text or file path) under `pack` at `at`."""
    from .default_engine import default_engine

    return default_engine().advise(facts, pack, at, explain=explain)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'followup' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once imported, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
