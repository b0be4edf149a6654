"""Notify's real sender against the fake HTTP gateway, on a movable clock: confirmations
that waited through an outage go as soon as the gateway answers a probe, not each on its
own backoff; a throttling gateway is asked a few times, not once per message."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.notify.models import Message
from services.notify.ops.sending import Sender
from services.notify.providers import build_providers
from tests.support.gateway import FakeGateway
from tests.support.notify import consume, event, facts

BOOKINGS = 6


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


def notify_app(make_app, gateway: FakeGateway, *, health_url: bool):
    return make_app("notify", sms_provider="http", sms_gateway_url=gateway.url,
                    sms_gateway_id_field="result.message_id",
                    sms_gateway_health_url=gateway.health_url if health_url else "")


def book(app) -> None:
    for n in range(BOOKINGS):
        data = facts(appointment_id=300 + n)
        data["patient"]["phone"] = f"+86139001391{n:02d}"
        consume(app, event("booked", data))


def confirmations(app) -> list[Message]:
    with app.extensions["clinic"].db.reading() as session:
        return list(session.scalars(select(Message).where(
            Message.channel == "sms", Message.template == "confirmation")
            .order_by(Message.id)).all())


def sender(app) -> Sender:
    rt = app.extensions["clinic"]
    return Sender(rt, build_providers(rt.settings, rt.db))


def each_taken_once(app, gateway: FakeGateway) -> None:
    messages = confirmations(app)
    assert [m.status for m in messages] == ["sent"] * BOOKINGS
    assert Counter(gateway.accepted) == {f"msg-{m.id}": 1 for m in messages}
    assert all(m.reason is None for m in messages), "no longer waiting"


@pytest.mark.parametrize("health_url", [True, False], ids=["health-url", "message-probe"])
def test_waiting_confirmations_go_at_once_when_the_gateway_answers_again(
        make_app, gateway, clock, health_url) -> None:
    notify = notify_app(make_app, gateway, health_url=health_url)
    book(notify)
    send = sender(notify)
    gateway.down_for(3600)
    send.send_due()  # three failures in a row: the gateway is down, the rest are held
    asked = len(gateway.requests)
    assert 3 <= asked <= BOOKINGS and all(m.status == "queued" for m in confirmations(notify))
    assert {m.reason for m in confirmations(notify)} == {"waiting for the provider"}
    for _ in range(10):  # 20 s of the clock: no message is tried on its own clock
        clock.advance(timedelta(seconds=2))
        send.send_due()
    probes = len(gateway.requests) - asked + gateway.health_checks
    assert 5 <= probes <= 11, "one probe a look (every 2 s), no more"
    assert max(m.attempts for m in confirmations(notify)) <= (1 if health_url else 4)
    gateway.down_until = 0.0  # back
    backoffs = max(m.send_after for m in confirmations(notify))
    clock.advance(timedelta(seconds=2))
    if not health_url:
        assert backoffs > clock.now(), "a probe message's own backoff reaches past its return"
    send.send_due()
    send.send_due()  # a message probe goes alone; the rest at the next look
    each_taken_once(notify, gateway)


def test_a_throttling_gateway_pauses_the_sender_instead_of_each_message(
        make_app, gateway, clock) -> None:
    notify = notify_app(make_app, gateway, health_url=False)
    book(notify)
    send = sender(notify)
    gateway.throttle_for(3600, retry_after=30)
    started = clock.now()
    send.send_due()
    asked = len(gateway.requests)
    assert 1 <= asked <= 2, "the first 429 paused the others (the rate spaces them out)"
    for message in confirmations(notify):
        assert message.status == "queued" and message.attempts <= 1
        assert message.send_after >= started + timedelta(seconds=30)
    for _ in range(5):
        clock.advance(timedelta(seconds=5))
        send.send_due()
    assert len(gateway.requests) == asked, "nothing asked during the gateway's wait"
    gateway.throttled_until = 0.0
    clock.advance(timedelta(seconds=6))
    send.send_due()
    each_taken_once(notify, gateway)


def test_after_a_throttle_the_rate_climbs_back_with_each_message_taken(
        make_app, gateway, clock) -> None:
    """The soak of issue 34: after a 12 s throttle the sender's rate was down to 1 a second,
    and its eight sending threads had each taken a place a second apart at that rate, so
    eight messages went a second apart however fast the rate climbed back with each one
    taken. A place is taken only when it comes now: the gaps shrink as the rate climbs."""
    notify = notify_app(make_app, gateway, health_url=False)
    book(notify)
    send = sender(notify)
    send.health.rate = send.health.rules.least_rate  # as a long throttle leaves it
    send.send_due()
    each_taken_once(notify, gateway)
    gaps = [later - earlier for earlier, later in zip(gateway.taken_at, gateway.taken_at[1:],
                                                      strict=False)]
    assert gaps[0] > 0.5, f"the first place waits at the throttled rate: {gaps}"
    assert gaps[-1] < gaps[0] / 2, f"then the rate climbs with each message taken: {gaps}"
