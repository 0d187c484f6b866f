"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS, login, failures."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from followup import Engine

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


@pytest.fixture(autouse=True)
def _smtp_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("FOLLOWUP_SMTP_HOST", "FOLLOWUP_SMTP_PORT", "FOLLOWUP_SMTP_USER", "FOLLOWUP_SMTP_PASSWORD",
                "FOLLOWUP_SMTP_FROM", "FOLLOWUP_SMTP_STARTTLS", "FOLLOWUP_OUTBOX"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def test_email_digest_is_sent_to_the_candidate_by_default(engine: Engine, smtp) -> None:
    sink, port = smtp
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    [r] = engine.deliver(advice, [f"email,host=127.0.0.1,port={port},from=followup@example.org"], facts=JUST_AFTER)
    assert r.status == "delivered", r.detail
    [(sender, rcpts, msg)] = sink.messages
    assert sender == "followup@example.org" and rcpts == ["sam.rivera@example.org"]
    # the first digest to an address: everything open is new ("hold off" advice is listed, not counted)
    assert str(msg["Subject"]).strip() == "Follow-up: 11 open (11 new) for Senior Backend Engineer at Northwind Analytics"
    body = msg.get_body(("plain",)).get_content()
    assert "[new] Send a thank-you to Tomás Ó Briain by email" in body
    assert body.index("Due today") < body.index("Hold off") < body.index("Don't phone about the status")


def test_email_is_idempotent_unless_resend(engine: Engine, smtp) -> None:
    sink, port = smtp
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    target = f"email:me@example.org,host=127.0.0.1,port={port}"
    assert engine.deliver(advice, [target])[0].status == "delivered"
    [again] = engine.deliver(advice, [target])
    assert again.status == "skipped" and "already delivered" in again.detail
    assert len(sink.messages) == 1
    # the next morning the same actions are overdue: a digest says so, listing them all, none new
    later = engine.advise(JUST_AFTER, "proactive", "2026-11-18T10:00")
    [r] = engine.deliver(later, [target])
    assert r.status == "delivered" and len(sink.messages) == 2
    assert str(sink.messages[-1][2]["Subject"]).strip().startswith("Follow-up: 11 open (10 overdue) for")
    assert engine.deliver(later, [target])[0].status == "skipped"
    assert engine.deliver(later, [target], resend=True)[0].status == "delivered"
    assert len(sink.messages) == 3
    # a deliberate re-send is a new message; the same digest keeps its Message-ID
    ids = [str(m["Message-ID"]) for _, _, m in sink.messages]
    assert len(set(ids)) == 3 and all(i.startswith("<followup-") and i.endswith("@followup.invalid>") for i in ids)


def test_email_starttls_and_login_with_credentials_from_the_environment(engine: Engine, cert, monkeypatch) -> None:
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), tls_context=ctx, require_starttls=True,
                            authenticator=authenticator, auth_required=True)
    controller.start()
    try:
        advice = engine.advise(JUST_AFTER, "proactive", AT)
        monkeypatch.setenv("FOLLOWUP_SMTP_USER", "sam")
        monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "s3cret")
        target = f"email:sam@example.org,host=127.0.0.1,port={controller.port},starttls=yes,cafile={cert[0]}"
        [r] = engine.deliver(advice, [target])
        assert r.status == "delivered", r.detail
        assert seen == [(b"sam", b"s3cret")] and len(sink.messages) == 1
        monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "wrong")
        [bad] = engine.deliver(advice, [target], resend=True)
        assert bad.status == "failed" and "login refused" in bad.detail and bad.outbox_id
        # without the CA the server's certificate is not trusted: a clear TLS failure
        [untrusted] = engine.deliver(advice, [target.replace(f",cafile={cert[0]}", "")], resend=True)
        assert untrusted.status == "failed" and "cafile=" in untrusted.detail
    finally:
        controller.stop()


def test_email_to_a_server_that_is_down_fails_with_its_reason(engine: Engine) -> None:
    advice = engine.advise(JUST_AFTER, "proactive", AT)
    [r] = engine.deliver(advice, [f"email:me@example.org,host=127.0.0.1,port={free_port()},timeout=2"])
    assert r.status == "failed" and "cannot connect" in r.detail and "is the SMTP server up" in r.detail
    assert r.outbox_id is not None
