"""Providers against real servers on 127.0.0.1: a fake SMS gateway and an SMTP server."""

from __future__ import annotations

import email
import ssl
import subprocess
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.notify.providers import Outgoing, PermanentError, TransientError
from services.notify.providers.http_gateway import HttpGatewayProvider
from services.notify.providers.smtp import SmtpProvider
from tests.e2e.conftest import free_port
from tests.support.gateway import FakeGateway

SMS = Outgoing(ref="msg-42", channel="sms", to="+8613800138000", body="【仁和医院】预约成功")


def test_json_gateway_gets_the_configured_shape_and_token() -> None:
    with FakeGateway() as gateway:
        provider = HttpGatewayProvider(url=gateway.url, token="t0ken", sender_field="sign",
                                       sender="仁和医院", id_field="result.message_id")
        assert provider.send(SMS) == "gw-msg-42"
    [request] = gateway.requests
    assert request["body"] == {"to": "+8613800138000", "text": "【仁和医院】预约成功",
                               "client_ref": "msg-42", "sign": "仁和医院"}
    assert request["headers"]["Authorization"] == "Bearer t0ken"


def test_form_gateway_with_other_field_names_and_basic_auth() -> None:
    with FakeGateway(ref_field="out_id") as gateway:
        provider = HttpGatewayProvider(url=gateway.url, username="u", password="p",
                                       body_format="form", to_field="mobile",
                                       text_field="content", ref_field="out_id",
                                       id_field="nowhere")
        assert provider.send(SMS) == "msg-42", "no id in the answer: our reference stands"
    [request] = gateway.requests
    assert request["body"] == {"mobile": "+8613800138000", "content": "【仁和医院】预约成功",
                               "out_id": "msg-42"}
    assert request["headers"]["Authorization"].startswith("Basic ")


def test_gateway_errors_are_told_apart() -> None:
    with FakeGateway() as gateway:
        provider = HttpGatewayProvider(url=gateway.url)
        gateway.failures_left = 1
        with pytest.raises(TransientError):
            provider.send(SMS)
        gateway.refuse_with = 400
        with pytest.raises(PermanentError):
            provider.send(SMS)
    unreachable = HttpGatewayProvider(url=f"http://127.0.0.1:{free_port()}/send", timeout=2)
    with pytest.raises(TransientError):
        unreachable.send(SMS)


def test_the_gateway_is_reached_through_the_environments_proxy_read_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy the environment names is honoured, though read once per gateway address
    rather than for every message (requests would read it each time). The fake gateway
    is the proxy here; the gateway's own name resolves nowhere."""
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with FakeGateway() as gateway:
        monkeypatch.setenv("http_proxy", gateway.url.rsplit("/", 1)[0])
        provider = HttpGatewayProvider(url="http://sms-gateway.invalid/send", timeout=5)
        provider.send(SMS)
        monkeypatch.delenv("http_proxy")
        provider.send(SMS)  # read once: still through the proxy (else: no such host)
    assert len(gateway.requests) == 2


def test_a_429_is_throttling_with_its_retry_after_and_a_503_an_outage() -> None:
    with FakeGateway() as gateway:
        provider = HttpGatewayProvider(url=gateway.url)
        gateway.throttle_for(60, retry_after=7)
        with pytest.raises(TransientError) as throttled:
            provider.send(SMS)
        assert (throttled.value.kind, throttled.value.retry_after) == ("throttle", 7.0)
        gateway.throttled_until = 0.0
        gateway.failures_left = 1
        with pytest.raises(TransientError) as down:
            provider.send(SMS)
        assert (down.value.kind, down.value.retry_after) == ("outage", None)


def test_the_gateway_is_probed_at_its_health_address_only_when_it_has_one() -> None:
    with FakeGateway() as gateway:
        assert HttpGatewayProvider(url=gateway.url).probe(SMS) is False, \
            "no health address: the next message is the probe"
        provider = HttpGatewayProvider(url=gateway.url, health_url=gateway.health_url)
        gateway.down_for(60)
        with pytest.raises(TransientError):
            provider.probe(None)
        gateway.down_until = 0.0
        assert provider.probe(None) is True
        assert gateway.health_checks == 2 and gateway.requests == [], "no SMS sent to probe"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def start_smtp(handler: Inbox, security: str, certificate: tuple[Path, Path]) -> Controller:
    kwargs: dict = {}
    if security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        kwargs = ({"tls_context": context, "require_starttls": True} if security == "starttls"
                  else {"ssl_context": context})
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()  # returns once the server has answered a connection of its own
    return controller


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_smtp_delivers_text_and_the_ics_invite(security: str, certificate) -> None:
    inbox = Inbox()
    controller = start_smtp(inbox, security, certificate)
    try:
        trust = ssl.create_default_context(cafile=str(certificate[0]))
        provider = SmtpProvider(host="127.0.0.1", port=controller.port, security=security,
                                sender="clinic@example.cn", tls_context=trust)
        item = Outgoing(ref="msg-7", channel="email", to="li@example.cn", subject="预约成功",
                        body="张三您好", ics="BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR",
                        ics_method="REQUEST")
        assert provider.send(item) == "<msg-7@clinic>"
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message["Subject"] == "预约成功" and message["To"] == "li@example.cn"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "张三您好" in parts["text/plain"].get_content()
    calendar = parts["text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in calendar.get_content()


def test_smtp_that_is_not_there_is_a_transient_error() -> None:
    provider = SmtpProvider(host="127.0.0.1", port=free_port(), sender="c@example.cn", timeout=2)
    with pytest.raises(TransientError):
        provider.send(Outgoing(ref="x", channel="email", to="a@example.cn", body="b"))
