"""One booking, one SMS (and one email with consent), over the real bus, whatever happens.

Booking's own outbox and relay publish the event; notify's consumer and sender
take it from the queue on either transport; a fake SMS gateway on 127.0.0.1
stands for the carrier. The event is delivered twice, the gateway is down for a
while, a patient has opted out, and a notify worker is killed mid-send.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from services.booking.models import OutboxMessage as BookingOutbox
from services.common.service import make_relay
from services.notify.models import DevOutboxItem, Message
from services.notify.worker import build_loops
from tests.support.booking import Inventory, Staff, tomorrow
from tests.support.bus import Running, settle, wait_until
from tests.support.gateway import FakeGateway, post_as_gateway

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_SETTINGS = {"sms_provider": "http", "sms_gateway_id_field": "result.message_id",
                    "send_retry_base_seconds": 0.05, "send_poll_seconds": 0.05}


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


@pytest.fixture
def clinic(broker, database_url, make_app, auth_header, gateway):
    """Booking (SQLite) and notify (the database under test) on the broker under test."""
    booking = make_app("booking", **broker.settings())
    notify = make_app("notify", database_url=database_url, sms_gateway_url=gateway.url,
                      **GATEWAY_SETTINGS, **broker.settings())
    consultant = Staff(booking, {**auth_header("consultant")})
    return booking, notify, consultant


def book(booking, consultant, **patient):
    slot_id = Inventory(booking).session(tomorrow(), time(9), count=1)[0]
    body = {"slot_id": slot_id, "channel": "chat", "patient": {
        "name": "张三", "phone": "13800138000", "sms_consent": True, **patient}}
    response = consultant.post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.json
    return response.json


def notify_loops(notify):
    loops = build_loops(notify.extensions["clinic"])
    return loops["notify-consumer"], loops["notify-sender"]


def publish(booking, times: int = 1) -> None:
    rt = booking.extensions["clinic"]
    relay = make_relay(rt, BookingOutbox)
    for _ in range(times):
        with rt.db.transaction() as session:
            session.execute(update(BookingOutbox).values(published_at=None))
        relay.drain()


def sent(notify, channel: str) -> list[Message]:
    with notify.extensions["clinic"].db.reading() as session:
        return list(session.scalars(select(Message).where(
            Message.channel == channel, Message.template == "confirmation")))


def emails(notify) -> list[DevOutboxItem]:
    with notify.extensions["clinic"].db.reading() as session:
        return list(session.scalars(select(DevOutboxItem).where(DevOutboxItem.channel == "email")))


@pytest.mark.slow
def test_an_event_delivered_twice_gives_one_sms_and_one_email(clinic, gateway) -> None:
    booking, notify, consultant = clinic
    book(booking, consultant, email="zhang@example.cn", email_consent=True)
    publish(booking, times=2)
    with Running(*notify_loops(notify)):
        assert wait_until(lambda: len(gateway.delivered) == 1 and len(emails(notify)) == 1)
        settle(lambda: (len(gateway.requests), len(emails(notify))), quiet=1.5)
    assert len(gateway.requests) == 1 and len(gateway.delivered) == 1
    assert len(emails(notify)) == 1 and "METHOD:REQUEST" in emails(notify)[0].ics
    [sms] = sent(notify, "sms")
    assert sms.status == "sent" and sms.provider_id.startswith("gw-msg-")


@pytest.mark.slow
def test_a_gateway_down_for_a_while_is_retried_until_it_answers(clinic, gateway) -> None:
    booking, notify, consultant = clinic
    gateway.failures_left = 4
    book(booking, consultant)
    publish(booking)
    with Running(*notify_loops(notify)):
        assert wait_until(lambda: len(gateway.delivered) == 1, timeout=60)
    [sms] = sent(notify, "sms")
    assert sms.status == "sent" and sms.attempts == 5
    assert len(gateway.requests) == 5


@pytest.mark.slow
def test_an_opted_out_patient_gets_nothing(clinic, gateway, auth_header) -> None:
    booking, notify, consultant = clinic
    opted = post_as_gateway(notify.test_client(), {
        "type": "inbound", "from": "+8613800138000", "text": "退订"})
    assert opted.json["result"] == "opted out"
    book(booking, consultant)
    publish(booking)
    with Running(*notify_loops(notify)):
        assert wait_until(lambda: len(sent(notify, "sms")) == 1)
        settle(lambda: len(gateway.requests), quiet=1.0)
    assert gateway.requests == []
    assert sent(notify, "sms")[0].status == "suppressed"


def start_worker(notify, gateway, *, status_url: str = "") -> subprocess.Popen:
    settings = notify.extensions["clinic"].settings
    env = {**os.environ, "NOTIFY_DATABASE_URL": settings.database_url,
           "BROKER_URL": settings.broker_url, "BUS_DIR": str(settings.bus_dir),
           "SMS_PROVIDER": "http", "SMS_GATEWAY_URL": gateway.url,
           "SMS_GATEWAY_STATUS_URL": status_url,
           "SMS_GATEWAY_ID_FIELD": "result.message_id", "SEND_LEASE_SECONDS": "2",
           "SEND_POLL_SECONDS": "0.05", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([str(Path(sys.executable).parent / "clinic-notify"), "worker"],
                            cwd=ROOT, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("asks", [True, False], ids=["gateway-answers-status", "it-cannot"])
def test_a_worker_killed_mid_send_and_restarted_sends_one_sms(clinic, gateway, asks) -> None:
    """The sender dies after the gateway took the SMS and before the outcome is written.
    Restarted, it asks the gateway first and does not send again; a gateway that cannot
    be asked gets it again under the same reference, and keeps it once."""
    booking, notify, consultant = clinic
    status_url = gateway.status_url if asks else ""
    gateway.hang_once_seconds = 30  # takes the SMS, then is slow to answer
    book(booking, consultant)
    publish(booking)
    worker = start_worker(notify, gateway, status_url=status_url)
    try:
        assert wait_until(lambda: len(gateway.requests) == 1, timeout=60)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert sent(notify, "sms")[0].status == "queued", "the outcome was never written"
    restarted = start_worker(notify, gateway, status_url=status_url)
    try:
        assert wait_until(lambda: sent(notify, "sms")[0].status == "sent", timeout=60)
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)
    assert len(gateway.delivered) == 1 and sent(notify, "sms")[0].attempts == 2
    if asks:
        assert gateway.lookups == ["msg-1"] and len(gateway.taken) == 1, \
            "looked up, not sent again: one SMS even at a gateway that does not de-duplicate"
    else:
        assert len(gateway.taken) == 2, "sent again after the lease; kept once by reference"


@pytest.mark.slow
def test_a_new_confirmation_wakes_the_resting_sender(broker, make_app, auth_header,
                                                     gateway) -> None:
    """The sender polls every SEND_POLL_SECONDS for what is due later (reminders); a
    confirmation planned by the consumer beside it goes at once, not at the next poll."""
    import time as clock

    booking = make_app("booking", **broker.settings())
    notify = make_app("notify", sms_gateway_url=gateway.url, **{
        **GATEWAY_SETTINGS, "send_poll_seconds": 120}, **broker.settings())
    consultant = Staff(booking, {**auth_header("consultant")})
    with Running(*notify_loops(notify)):
        clock.sleep(1)  # the sender's first round found nothing: it rests for two minutes
        book(booking, consultant)
        publish(booking)
        assert wait_until(lambda: len(gateway.delivered) == 1, timeout=20), \
            "the confirmation waited for the sender's next poll"
