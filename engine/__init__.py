"""followup: job-interview follow-up advice as declarative policy packs.

    import followup

    advice = followup.advise("examples/just-after.yaml", pack="proactive", at="2026-11-17T17:00")
    print(advice.actions[0].title)   # Send a thank-you to Dana Lee by email
"""

from __future__ import annotations

from datetime import datetime

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
from .version import __version__ as __version__
from .whatif import ActionChange, FactDelta, FactEdit, WhatIf
from .whynot import Explanation, QuestionError, WhyNot

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
    return default_engine().advise(facts, pack, at, explain=explain)
