"""The SMS vendors hurt on purpose: notify's real sender and each vendor's real SDK against
the fake vendor, through the registered-template pipeline, on a movable clock.

- The vendor down for a minute (HTTP 503/502), then requests lost on the network (the
  vendor never saw them), then answers lost (the vendor took the SMS): when it is back,
  every confirmation has reached it exactly once, counted at the fake (which, like both
  vendors, de-duplicates nothing), and every receipt marks its message delivered.
- A throttling burst: the vendor's wait (Alibaba Cloud's ``x-acs-retry-after``, which
  pauses the whole sender after the first answer; Tencent's per-number 30-second limit,
  met by each message) slows the sender: nothing is asked again before it has passed, and
  then each confirmation goes once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.notify.models import Message
from services.notify.ops.sending import Sender
from services.notify.providers import build_providers
from services.notify.providers.tencent import TencentSmsProvider
from tests.support.fake_aliyun import FakeAliyun
from tests.support.fake_tencent import FakeTencent
from tests.support.notify import consume, event, facts

SECRET = "fault-callback-secret-0123456789abc"
BOOKINGS = 6


@dataclass
class Vendor:
    """One fake vendor, hurt and counted the same way whichever it is."""

    name: str
    fake: Any

    def down(self, on: bool) -> None:
        if self.name == "aliyun":
            self.fake.down = on  # 503 ServiceUnavailable to every request
        else:
            self.fake.down_until = float("inf") if on else 0.0  # 502 to every request

    def drop(self, requests: int) -> None:
        """The next requests are lost on the way: the vendor never sees them."""
        self.fake.drop_requests = requests

    def lose(self, answers: int) -> None:
        """The vendor takes the next SMS, and its answers are lost."""
        if self.name == "aliyun":
            self.fake.lose_answers = answers
        else:
            self.fake.lose_next_answer(answers)

    def throttle(self, sends: int) -> float:
        """The next ``sends`` are throttled; the vendor's wait, in seconds."""
        if self.name == "aliyun":
            self.fake.retry_after_ms = 45_000
            self.fake.fail_with("Throttling.User", times=sends)
            return 45.0
        self.fake.fail_next("LimitExceeded.PhoneNumberThirtySecondLimit", in_status=True,
                            times=sends)
        return 30.0

    def taken(self) -> list[tuple[str, str]]:
        """(our reference, the vendor's id) of every SMS the vendor took, repeats kept."""
        with self.fake.lock:
            if self.name == "aliyun":
                return [(sent.out_id, sent.biz_id) for sent in self.fake.taken]
            return [(sent.session, sent.serial) for sent in self.fake.sends]

    def requests(self) -> int:
        with self.fake.lock:
            return len(self.fake.requests)

    def receipts(self, app) -> None:
        client = app.test_client()
        base = f"/api/v1/sms/{self.name}/{SECRET}"
        with self.fake.lock:
            sent = list(self.fake.taken if self.name == "aliyun" else self.fake.sends)
        for each in sent:
            if self.name == "aliyun":
                answer = client.post(f"{base}/report", json=self.fake.report(each))
            else:
                answer = self.fake.push_status(
                    lambda url, body: client.post(url, json=body), f"{base}/status", each)
            assert answer.status_code == 200


@pytest.fixture(params=["aliyun", "tencent"])
def vendor(request):
    fake = FakeAliyun() if request.param == "aliyun" else FakeTencent()
    with fake:
        yield Vendor(request.param, fake)


def notify_app(make_app, vendor: Vendor, **settings: Any):
    return make_app("notify", **vendor.fake.settings(), sms_callback_secret=SECRET,
                    sms_gateway_timeout=2.0, send_max_attempts=12, **settings)


@pytest.fixture
def notify(make_app, vendor):
    return notify_app(make_app, vendor)


def sender(app) -> Sender:
    """notify's sender with the providers its settings build."""
    rt = app.extensions["clinic"]
    providers = build_providers(rt.settings, rt.db)
    if isinstance(providers.sms, TencentSmsProvider):
        # The fake's carrier reports at once: a lost send with no status is one Tencent
        # never took (the wait for a slow carrier's report is test_tencent.py's).
        providers.sms.report_wait = 0.0
    return Sender(rt, providers)


def book(app, count: int = BOOKINGS) -> None:
    """``count`` bookings of ``count`` patients, each planning its confirmation."""
    for n in range(count):
        data = facts(appointment_id=100 + n)
        data["patient"]["phone"] = f"+86139001390{n:02d}"
        consume(app, event("booked", data))


def confirmations(app) -> list[Message]:
    with app.extensions["clinic"].db.reading() as session:
        return list(session.scalars(select(Message).where(
            Message.channel == "sms", Message.template == "confirmation")
            .order_by(Message.id)).all())


def exactly_once(app, vendor: Vendor) -> None:
    """Every confirmation is at the vendor once, and recorded under the vendor's id (or
    our reference, when a lookup found it without one)."""
    messages = confirmations(app)
    assert len(messages) == BOOKINGS
    taken = vendor.taken()
    counts = Counter(ref for ref, _ in taken)
    assert counts == {f"msg-{m.id}": 1 for m in messages}, f"counted at the fake: {counts}"
    ids = dict(taken)
    for message in messages:
        assert message.status == "sent", (message.id, message.status, message.last_error)
        assert message.provider_id in (ids[f"msg-{message.id}"], f"msg-{message.id}")


def test_a_vendor_down_for_a_minute_then_back_sends_every_confirmation_once(
        notify, vendor, clock) -> None:
    book(notify)
    send = sender(notify)
    vendor.down(True)
    outage_ends = clock.now() + timedelta(minutes=1)
    looks = 0
    while clock.now() < outage_ends:  # the sender looks every 5 s (the clock's)
        send.send_due()
        looks += 1
        clock.advance(timedelta(seconds=5))
    assert vendor.taken() == [] and all(m.status == "queued" for m in confirmations(notify))
    waiting = confirmations(notify)
    assert {m.reason for m in waiting} == {"waiting for the provider"}
    assert max(m.attempts for m in waiting) == 1, \
        "once judged down, no message is tried again on its own clock (those claimed " \
        "with the first ones were given back untried)"
    assert looks <= vendor.requests() <= BOOKINGS + looks, "the vendor was probed at each " \
        "look (a free query, not a send), and nothing more"
    # it comes back, but the network first loses two requests and then two answers
    vendor.down(False)
    vendor.drop(2)
    vendor.lose(2)
    for _ in range(12):
        clock.advance(timedelta(minutes=1))
        send.send_due()
        if all(m.status == "sent" for m in confirmations(notify)):
            break
    exactly_once(notify, vendor)
    vendor.receipts(notify)
    assert [m.status for m in confirmations(notify)] == ["delivered"] * BOOKINGS


def test_an_outage_that_hides_answers_is_looked_up_when_the_vendor_is_back(
        make_app, vendor, clock) -> None:
    """Answers lost, then the vendor down while the sender asks about them: the lookup
    fails too, the messages stay in doubt, and once it is back they are found, not sent
    again. (Never judged down here, so every message is handed over in the first round.)"""
    notify = notify_app(make_app, vendor, send_down_after_failures=BOOKINGS * 10)
    book(notify)
    send = sender(notify)
    vendor.lose(BOOKINGS)
    send.send_due()
    assert len(vendor.taken()) == BOOKINGS
    assert all(m.status == "queued" and m.handed_at for m in confirmations(notify)), \
        "no answers: every message in doubt"
    vendor.down(True)
    for _ in range(6):
        clock.advance(timedelta(seconds=20))
        send.send_due()
    assert all(m.handed_at for m in confirmations(notify)), "still in doubt while it is down"
    vendor.down(False)
    for _ in range(6):
        clock.advance(timedelta(minutes=1))
        send.send_due()
    exactly_once(notify, vendor)


def test_a_throttling_burst_slows_the_sender_by_the_vendors_wait(make_app, vendor,
                                                                clock) -> None:
    # Places 200 ms apart: the first answer (429) is in before the second place comes,
    # also on a loaded machine (each hand-over begins with a write: the claim's lease).
    notify = notify_app(make_app, vendor, sms_rate_per_second=5.0)
    book(notify)
    send = sender(notify)
    wait = vendor.throttle(BOOKINGS)
    started = clock.now()
    send.send_due()
    asked = vendor.requests()
    if vendor.name == "aliyun":  # the API's flow control: one pause for the whole sender
        assert vendor.taken() == [] and 1 <= asked < BOOKINGS
        with vendor.fake.lock:
            vendor.fake.failures.clear()  # the throttling ends with the wait
    else:  # Tencent's limit is one number's: each message meets its own
        assert vendor.taken() == [] and asked == BOOKINGS
    for message in confirmations(notify):
        assert message.status == "queued"
        assert message.send_after >= started + timedelta(seconds=wait), \
            "the vendor's wait, longer than the sender's own backoff (5 s)"
    while clock.now() + timedelta(seconds=5) < started + timedelta(seconds=wait):
        clock.advance(timedelta(seconds=5))
        send.send_due()
    assert vendor.requests() == asked, "nothing asked again before the vendor's wait"
    # Past the last wait the vendor asked for (each throttled answer's wait counts from when
    # it came), the sender's rounds send everything, each once. A round may leave its last
    # message to the next: at the rate halved by each throttled answer, its place can come
    # after the claim's 3 s (two answers throttled and slow answers on a loaded machine:
    # one of six was left, 2026-12-07).
    latest = max(message.send_after for message in confirmations(notify))
    clock.advance(max(latest - clock.now(), timedelta(0)) + timedelta(seconds=5))
    for _ in range(3):
        send.send_due()
        if all(message.status == "sent" for message in confirmations(notify)):
            break
        clock.advance(timedelta(seconds=1))
    exactly_once(notify, vendor)
