"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the digest and journey tests."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """Every accepted message, parsed; `refuse` holds SMTP answers to give instead, one per message."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []  # the envelope's, one list per message (not the headers')
        self.refuse: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.refuse:
            return self.refuse.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def plain(msg: email.message.EmailMessage) -> str:
    """The message's text body, with plain newlines."""
    body: str = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return body.replace("\r\n", "\n")
