"""A followup channel `todotxt:FILE`: every action becomes a todo.txt task (http://todotxt.org).

Tasks carry a `followup:<uid>` tag, so re-running updates them in place;
lines you wrote yourself, and tasks you completed (`x ...`), are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followup.channels import Channel, Delivery, action_uid
from followup.hookspecs import hookimpl
from followup.yamlio import atomic_write

_PRIORITY = {"critical": "(A) ", "high": "(B) ", "normal": "(C) ", "low": ""}


def _project(text: str) -> str:
    return "+" + "".join(w[:1].upper() + w[1:] for w in text.split())


class TodoTxtChannel(Channel):
    name = "todotxt"
    description = "Adds each action as a task to a todo.txt file (updates its own tasks, keeps yours)."
    arg_help = "FILE (the todo.txt to update)"
    arg_required = True
    options = {"avoid": "yes to include don't-do-this-yet advice as tasks (default no)"}

    def deliver(self, delivery: Delivery) -> str:
        advice = delivery.advice
        path = Path(self.target.arg or "").expanduser()
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        mine = {}
        for a in advice.actions:
            if a.avoid and self.option("avoid", "no") != "yes":
                continue
            uid = action_uid(advice, a)
            due = f" due:{a.due:%Y-%m-%d}" if a.due else ""
            ctx = f" @{a.channel}" if a.channel != "none" else ""
            mine[uid] = f"{_PRIORITY.get(a.priority, '')}{advice.at:%Y-%m-%d} {a.title} {_project(advice.company)}{ctx}{due} followup:{uid}"
        kept, done = [], set()
        for line in lines:
            tag = next((w.split(":", 1)[1] for w in line.split() if w.startswith("followup:")), None)
            if tag is None or line.startswith("x "):
                kept.append(line)  # the user's own task, or one they completed
                if tag:
                    done.add(tag)
            elif tag in mine:
                kept.append(mine.pop(tag))
            # else: a task of ours no longer advised: dropped
        kept += [line for uid, line in mine.items() if uid not in done]
        atomic_write(path, "\n".join(kept) + "\n")
        return f"{path} ({len(kept)} tasks)"


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(TodoTxtChannel)
