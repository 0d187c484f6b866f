"""Channel `email`: the advice digest over SMTP (STARTTLS or TLS; credentials from the environment only).

Settings come from options, else from the environment:
FOLLOWUP_SMTP_HOST (localhost), FOLLOWUP_SMTP_PORT (587 with STARTTLS, else 25),
FOLLOWUP_SMTP_STARTTLS (yes/no), FOLLOWUP_SMTP_USER, FOLLOWUP_SMTP_PASSWORD,
FOLLOWUP_SMTP_FROM. Passwords are never taken from `--to`, so they never
reach the outbox or shell history.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import EmailMessage

from followup.channels import (
    Channel,
    ChannelOptionError,
    ChannelTarget,
    Delivery,
    PermanentChannelError,
    option_bool,
    option_float,
)
from followup.digest import build_digest, digest_markdown, digest_text
from followup.errors import ChannelError
from followup.facts import Facts
from followup.hookspecs import hookimpl


def _text(reply: bytes | str) -> str:
    """An SMTP server's reply text (smtplib gives bytes or str depending on where it failed)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def _header(value: object) -> str:
    """Header text from facts or a pack: a CR/LF would end the header and start another (or crash
    the message), so every control character becomes a space."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value))
    return " ".join(text.split())


class EmailChannel(Channel):
    name = "email"
    description = "Emails the advice digest over SMTP (settings from options or FOLLOWUP_SMTP_* variables)."
    arg_help = "ADDRESS to send to (default: the candidate's email in the facts)"
    sends = True
    options = {
        "host": "SMTP server (default $FOLLOWUP_SMTP_HOST or localhost)",
        "port": "SMTP port (default $FOLLOWUP_SMTP_PORT, else 465 with tls=yes, 587 with STARTTLS, else 25)",
        "starttls": "yes/no: upgrade with STARTTLS (default $FOLLOWUP_SMTP_STARTTLS or yes on port 587)",
        "tls": "yes/no: implicit TLS from the start, as on port 465 (default no)",
        "from": "sender address (default $FOLLOWUP_SMTP_FROM, else the recipient)",
        "cafile": "PEM file of CA certificates to trust (for a private server)",
        "timeout": "seconds for the SMTP conversation (default 30)",
    }

    def __init__(self, target: ChannelTarget) -> None:
        super().__init__(target)
        self.host = self.option("host") or _env("FOLLOWUP_SMTP_HOST") or "localhost"
        self.tls = option_bool(self, "tls", False)
        env_starttls = _env("FOLLOWUP_SMTP_STARTTLS")
        port_text = self.option("port") or _env("FOLLOWUP_SMTP_PORT")
        if port_text is not None and not port_text.isdigit():
            raise ChannelOptionError(f"--to {target.spec}: port {port_text!r} is not a number")
        default_starttls = (port_text == "587") if env_starttls is None else env_starttls.lower() in {"yes", "true", "1", "on"}
        self.starttls = option_bool(self, "starttls", default_starttls and not self.tls)
        self.port = int(port_text) if port_text else (465 if self.tls else 587 if self.starttls else 25)
        self.sender = self.option("from") or _env("FOLLOWUP_SMTP_FROM")
        self.cafile = self.option("cafile")
        self.timeout = option_float(self, "timeout", 30.0, minimum=0.01)
        if self.tls and self.starttls:
            raise ChannelOptionError(f"--to {target.spec}: choose tls=yes (port 465) or starttls=yes, not both")

    def _recipient(self, delivery: Delivery) -> str:
        to = self.target.arg or (delivery.facts.candidate.email if delivery.facts else None)
        if not to:
            raise PermanentChannelError("no recipient: write --to email:ADDRESS, or give candidate.email in the facts")
        if _header(to) != to or "@" not in to:
            raise PermanentChannelError(f"{to!r} is not an email address: fix candidate.email or the address after email:")
        return to

    def identity(self, facts: Facts | None) -> str:
        """The mailbox it goes to, whatever server or options carry it there."""
        to = self.target.arg or (facts.candidate.email if facts else None) or ""
        return f"email:{to.strip().lower()}"

    def message(self, delivery: Delivery) -> EmailMessage:
        digest = delivery.digest or build_digest(delivery.advice)
        advice = delivery.advice
        to = self._recipient(delivery)
        # the email and SMTP libraries are imported on first use, so other commands start faster
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        msg = EmailMessage()
        msg["Subject"] = _header(f"Follow-up: {digest.summary} for {advice.position} at {advice.company}")
        msg["From"] = _header(self.sender or to)
        msg["To"] = to
        msg["Date"] = formatdate(localtime=False)
        # the same digest has the same Message-ID in every attempt and run, so mail clients show one copy
        key = delivery.idempotency_key
        msg["Message-ID"] = f"<{key}@followup.invalid>" if key else make_msgid(domain="followup.invalid")
        msg["X-Followup-Pack"] = _header(f"{advice.pack.name} {advice.pack.version}")
        msg.set_content(digest_text(digest, explain=delivery.explain, width=72))
        msg.add_alternative(digest_markdown(digest, explain=delivery.explain), subtype="markdown")
        return msg

    def deliver(self, delivery: Delivery) -> str:
        import smtplib
        import ssl

        msg = self.message(delivery)
        user, password = _env("FOLLOWUP_SMTP_USER"), _env("FOLLOWUP_SMTP_PASSWORD")
        context = ssl.create_default_context(cafile=self.cafile) if (self.tls or self.starttls) else None
        where = f"{msg['To']} via {self.host}:{self.port}"
        try:
            smtp_class = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
            kwargs = {"context": context} if self.tls else {}
            with smtp_class(self.host, self.port, timeout=self.timeout, **kwargs) as smtp:  # type: ignore[arg-type]
                if self.starttls:
                    smtp.ehlo()
                    if not smtp.has_extn("starttls"):
                        raise ChannelError(f"{self.host}:{self.port} does not offer STARTTLS; "
                                           "use starttls=no only if the network is trusted")
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if user:
                    if password is None:
                        raise ChannelError("FOLLOWUP_SMTP_USER is set but FOLLOWUP_SMTP_PASSWORD is not: set both")
                    smtp.login(user, password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(f"{where}: login refused ({exc.smtp_code} {_text(exc.smtp_error)}); "
                               "check FOLLOWUP_SMTP_USER and FOLLOWUP_SMTP_PASSWORD") from None
        except smtplib.SMTPRecipientsRefused as exc:
            # 5xx: the server will never take this address; 4xx (mailbox busy, greylisting) may pass later
            error = PermanentChannelError if all(code >= 500 for code, _ in exc.recipients.values()) else ChannelError
            raise error(f"{where}: recipient refused ({exc.recipients}); check the address") from None
        except smtplib.SMTPResponseException as exc:
            error = PermanentChannelError if exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError) else ChannelError
            raise error(f"{where}: SMTP error: {exc}") from None
        except smtplib.SMTPException as exc:
            raise ChannelError(f"{where}: SMTP error: {exc}") from None
        except ssl.SSLError as exc:
            raise ChannelError(f"{where}: TLS failed ({exc.reason or exc}); give the server's CA with cafile=") from None
        except TimeoutError:
            raise ChannelError(f"{where}: no answer within {self.timeout:g}s") from None
        except OSError as exc:
            raise ChannelError(f"{where}: cannot connect ({exc.strerror or exc}); is the SMTP server up?") from None
        if refused:
            raise PermanentChannelError(f"{where}: some recipients refused: {', '.join(refused)}")
        return where


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(EmailChannel)
