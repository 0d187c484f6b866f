"""Channel `drafts`: a personalised message draft per person for every thank-you and follow-up action.

To a folder, one file per person and kind, kept in step with the advice
without ever overwriting a draft the user edited (see followup.draftfiles).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followup.channels import Channel, Delivery
from followup.hookspecs import hookimpl


class DraftsChannel(Channel):
    name = "drafts"
    description = ("Writes a draft message per person for thank-you, formal letter and follow-up actions; "
                   "never overwrites a draft you edited.")
    arg_help = "DIR to write one .txt per draft into (default: standard output)"
    needs_facts = True
    options = {"templates": "folder of <action_kind>.txt.j2 templates overriding the pack's and the built-in ones"}

    def deliver(self, delivery: Delivery) -> str:
        assert delivery.facts is not None  # needs_facts: checked before delivery
        # jinja2 and the drafting code are imported on first use, so other commands start faster
        from followup.draftfiles import write_drafts
        from followup.drafts import render_drafts

        drafts = render_drafts(delivery.advice, delivery.facts, pm=delivery.pm, templates=self.option("templates"))
        if self.target.arg in (None, "-"):
            out = delivery.stdout
            for i, d in enumerate(drafts):
                out.write(("\n" + "-" * 72 + "\n" if i else "") + d.text())
            if not drafts:
                out.write("No thank-you or follow-up to draft right now.\n")
            out.flush()
            return f"standard output ({len(drafts)} drafts)"
        report = write_drafts(Path(self.target.arg).expanduser(), drafts, delivery.facts, delivery.advice.at)
        return report.summary()


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(DraftsChannel)
