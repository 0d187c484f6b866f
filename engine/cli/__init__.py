"""The `followup` command: a thin click layer over the library.

Each command module registers its commands on the group in `base`; this
package (and nowhere else) has them imported, which keeps the imports one
way: this package -> the command modules -> `base` -> the library.

They are imported when a command is first wanted (see `base.LazyGroup`), so
`followup advise` does not pay for the libraries behind other commands. A
module missing from COMMANDS below still works, only slower to start.
"""

from __future__ import annotations

import sys

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
# The first paragraph of each command's help: what `followup --help` lists, without importing every
# command module and the libraries behind them (tests/test_startup.py keeps it equal to the commands' own).
SUMMARIES = {
    'actions': 'What a rule can recommend: action kinds, targets, channels, priorities and due-time anchors.',
    'advise': 'Rank what to do next for the interview described in FACTS (YAML or JSON file, - for stdin).',
    'agenda': 'What is overdue, due today and coming this week across every case in PATHS (folders or facts files; default: this folder), grouped by day and case.',
    'batch': 'Evaluate every line of IN.jsonl (- for stdin): one JSON result line per input, in input order.',
    'compare': 'Compare what each pack advises for FACTS, side by side, marking where they disagree.',
    'dismiss': 'Hide actions of the last list for good (advise --all shows them; restore brings them back).',
    'done': 'Mark actions of the last list as done: recorded in the facts file where the facts can say it.',
    'facts': "The facts a rule's `when` can test: type, values and meaning.",
    'init': 'Start a case: answer a few questions and get a commented facts file, ready for `followup advise`.',
    'new-pack': 'Write a commented starting pack NAME.yaml and its test file tests/NAME.yaml.',
    'outbox': 'Advice a channel failed to deliver, kept until `followup outbox retry` sends it.',
    'packs': 'List the packs --pack can name: where each comes from, and which one shadows another.',
    'plan': 'Simulate following each pack for the days ahead and show the dated plan.',
    'plugins': 'List loaded plugins: their hooks, versions, and the channels and packs they register.',
    'record': 'Record what happened in the facts file FACTS, keeping its comments and layout.',
    'restore': 'Show snoozed or dismissed actions again (numbers from `followup advise FILE --all`).',
    'schema': "Print the JSON Schema of a pack, a facts file or a pack's test file (for editors and other tools).",
    'serve': 'Serve advice over HTTP: POST /v1/advise, /v1/compare, /v1/plan, /v1/validate, /v1/batch; GET /v1/packs, /health, /health/ready, /openapi.json (see docs/scale.md).',
    'snooze': 'Hide actions of the last list until a time; advise and agenda count what is snoozed.',
    'sources': 'The articles packs cite and the advice items drawn from them (cite as {article: KEY, items: [ID]}).',
    'test': "Run a pack's YAML test cases and report which rules no case fired.",
    'validate': 'Check pack files (or every pack in a folder): shape, names, inheritance, and rules that can never fire or clash.',
}
cli.lazy(__name__, COMMANDS, MODULES, SUMMARIES)

__all__ = ["cli", "main"]


def main() -> None:
    # Starting a command creates a great many objects that live until it ends (modules, models and
    # their schemas, the compiled pack): the collector's frequent young-generation passes free
    # nothing and cost a tenth of a short command. They run ~70x less often instead; collection
    # stays on, so a long run (serve, batch, agenda) still frees its cycles.
    import gc

    first, *older = gc.get_threshold()
    gc.set_threshold(max(first, 50_000), *older)
    try:
        cli(prog_name="followup")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            _leave(exc.code or 0)
        raise


def _leave(code: int) -> None:
    """End the process now that the command has: its exit handlers run, the interpreter is not torn down.

    Tearing down a few hundred modules and the objects they hold (every
    model, schema and compiled pack) costs a short command a sixth of its
    time and changes nothing the user can see: Python does not promise to run
    the finalizers of objects alive at exit. What it does promise runs:
    functions registered with atexit (log handlers, thread pools, temporary
    folders), and the output is flushed. With another thread still running,
    or output that cannot be flushed (a closed pipe), Python ends as usual.
    """
    import atexit
    import os
    import threading

    if threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code)
