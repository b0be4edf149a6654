"""From booking events to messages, and from messages to providers, exactly once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from services.common.db import utcnow
from services.common.events import Event
from services.notify.handlers import consumer as notify_consumer
from services.notify.handlers import handlers
from services.notify.models import DeadLetter, DevOutboxItem, InboxRecord
from services.notify.ops.sending import CLAIM_SECONDS, Sender
from services.notify.ops.suppressions import suppress
from services.notify.providers import Outgoing, PermanentError, Providers, TransientError
from services.notify.providers.outbox import OutboxProvider
from tests.support.notify import (
    HOSPITAL,
    FlakyProvider,
    consume,
    event,
    facts,
    messages,
    previous,
)


def test_the_sender_is_woken_once_after_a_commit_that_planned_a_message_due_now(app) -> None:
    """The worker binds its sender's wake-up to the handlers: a message nobody may be sent
    (no consent) wakes nothing; a confirmation and its later reminder wake it once."""
    from services.common.service import make_consumer

    rt, woken = app.extensions["clinic"], []
    consumer = make_consumer(rt, handlers(rt, on_due=lambda: woken.append(True)), InboxRecord,
                             DeadLetter)
    consumer.handle(event("booked", facts(7, sms=False)))
    assert woken == []
    consumer.handle(event("booked", facts(8)))
    assert woken == [True]


def test_a_booking_with_sms_consent_gives_one_sms_and_a_reminder(app) -> None:
    consume(app, event("booked", facts()))
    sms = messages(app, channel="sms")
    assert [(m.template, m.status) for m in sms] == [("confirmation", "queued"),
                                                     ("reminder", "queued")]
    assert messages(app, channel="email") == []
    assert sms[0].segments >= 2 and "K7QM4TZP" in sms[0].body
    reminder_at = sms[1].send_after.astimezone(datetime.now().astimezone().tzinfo)
    assert reminder_at.astimezone(UTC) < datetime.fromisoformat(
        facts()["slot"]["start"].replace("Z", "+00:00"))


def test_a_patient_with_a_phone_from_abroad_is_told_in_english(app) -> None:
    """A +44 patient of a Chinese hospital got a Chinese SMS; now English, as the link."""
    abroad = facts(8)
    abroad["patient"]["phone"] = "+447911123456"
    consume(app, event("booked", facts(7)), event("booked", abroad))
    told = {m.appointment_id: (m.language, m.body) for m in messages(
        app, channel="sms", template="confirmation")}
    assert told[7][0] == "zh-CN" and "您好" in told[7][1]
    assert told[8][0] == "en" and "you are booked" in told[8][1]


def test_a_confirmation_asked_again_is_sent_again_unless_something_changed_since(app) -> None:
    from datetime import timedelta

    booked_at = datetime.now(UTC) - timedelta(minutes=10)
    consume(app, event("booked", facts(7), occurred_at=booked_at),
            event("confirmation_requested", facts(7)))
    assert [m.template for m in messages(app, channel="sms")] == [
        "confirmation", "reminder", "confirmation"]
    cancelled = facts(7, status="cancelled", cancellation={
        "reason": "patient", "note": None, "by": "li", "alternatives": []})
    consume(app, event("cancelled", cancelled),
            event("confirmation_requested", facts(7), occurred_at=booked_at))
    assert [m.template for m in messages(app, channel="sms")].count("confirmation") == 2, \
        "asked before the cancellation, told after it: not said"


def test_email_goes_too_with_address_and_consent_and_carries_an_invite(app) -> None:
    consume(app, event("booked", facts(email="li@example.cn", email_consent=True)))
    [email] = messages(app, channel="email", template="confirmation")
    assert email.status == "queued" and email.subject and "METHOD:REQUEST" in email.ics


def test_no_consent_means_nothing_sent_but_logged_as_suppressed(app) -> None:
    consume(app, event("booked", facts(sms=False, email="li@example.cn")))
    assert {(m.channel, m.status, m.reason) for m in messages(app, template="confirmation")} == {
        ("sms", "suppressed", "no sms consent"), ("email", "suppressed", "no email consent")}
    assert {m.facts for m in messages(app)} == {None}, "nothing kept to render again"


def test_an_opted_out_patient_gets_nothing(app) -> None:
    with app.extensions["clinic"].db.transaction() as session:
        suppress(session, "sms", "+8613800138000", "api", utcnow())
    consume(app, event("booked", facts()))
    assert {m.status for m in messages(app)} == {"suppressed"}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def test_an_opt_out_stops_its_own_channel_only(database, request, make_app) -> None:
    """An opt-out is of one channel and one recipient: the patient's other channel still
    goes."""
    app = make_app("notify", **({"database_url": request.getfixturevalue("pg_url")}
                                if database == "postgres" else {}))
    with app.extensions["clinic"].db.transaction() as session:
        suppress(session, "email", "li@example.cn", "api", utcnow())
        suppress(session, "sms", "+8613800138001", "api", utcnow())
    both = dict(email="li@example.cn", email_consent=True)
    sms_out = facts(8, email="wang@example.cn", email_consent=True)
    sms_out["patient"]["phone"] = "+8613800138001"
    consume(app, event("booked", facts(7, **both)), event("booked", sms_out))
    told = {(m.appointment_id, m.channel): (m.status, m.reason)
            for m in messages(app, template="confirmation")}
    assert told == {(7, "sms"): ("queued", None), (7, "email"): ("suppressed", "opted out"),
                    (8, "sms"): ("suppressed", "opted out"), (8, "email"): ("queued", None)}


def test_a_redelivered_event_makes_nothing_new(app) -> None:
    booked = event("booked", facts())
    consume(app, booked, booked, booked)
    assert len(messages(app)) == 2


def test_cancelling_withdraws_the_reminder_and_sends_a_notice_with_a_cancel_ics(app) -> None:
    data = facts(email="li@example.cn", email_consent=True)
    consume(app, event("booked", data))
    cancelled = {**data, "status": "cancelled", "cancellation": {
        "reason": "expert_unavailable", "note": "会议", "by": "system",
        "alternatives": [{"slot_id": 5, "expert_id": 4, "expert_name": "李晓梅",
                          "start": "2026-12-01T01:00:00Z", "remaining": 2}]}}
    consume(app, event("cancelled", cancelled))
    assert {m.status for m in messages(app, template="reminder")} == {"cancelled"}
    [notice] = messages(app, channel="sms", template="cancellation")
    assert "李晓梅" in notice.body and notice.status == "queued"
    [email] = messages(app, channel="email", template="cancellation")
    [invite] = messages(app, channel="email", template="confirmation")
    assert "METHOD:CANCEL" in email.ics
    uid_line = next(line for line in invite.ics.splitlines() if line.startswith("UID"))
    assert uid_line in email.ics


def test_an_old_booked_event_after_its_cancellation_says_nothing(app) -> None:
    booked = event("booked", facts())
    cancelled = event("cancelled", facts(status="cancelled", cancellation={
        "reason": "patient", "note": None, "by": "li", "alternatives": []}),
        occurred_at=booked.occurred_at + timedelta(seconds=5))
    consume(app, cancelled, booked)
    assert [m.template for m in messages(app)] == ["cancellation"]


def test_rescheduling_moves_the_reminder(app) -> None:
    consume(app, event("booked", facts()))
    later = datetime.fromisoformat(facts()["slot"]["start"].replace("Z", "+00:00")) \
        + timedelta(days=2)
    moved = facts(start=later, previous=previous())
    consume(app, event("rescheduled", moved))
    reminders = messages(app, template="reminder")
    assert [r.status for r in reminders] == ["cancelled", "queued"]
    assert reminders[1].send_after > reminders[0].send_after
    assert messages(app, template="reschedule")[0].status == "queued"


def sender_for(app, sms, email=None) -> Sender:
    rt = app.extensions["clinic"]
    return Sender(rt, Providers(sms=sms, email=email))


def test_the_sender_hands_due_messages_over_once(app) -> None:
    consume(app, event("booked", facts()))
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    assert sender.send_due() == 1, "the reminder is not due yet"
    assert sender.send_due() == 0
    [confirmation] = messages(app, template="confirmation")
    assert confirmation.status == "sent" and confirmation.provider_id == f"p-msg-{confirmation.id}"
    assert [item.ref for item in provider.sent] == [f"msg-{confirmation.id}"]


def test_a_rounds_sent_outcomes_are_written_in_one_transaction(app) -> None:
    """Five confirmations handed over in one round are recorded as sent together: one
    transaction for the claim, one per message as its claim becomes the lease just before
    it is handed over, and one for the outcomes — not one more per message. (A first
    round before: the provider's first answer also tells its health, once.)"""
    sender = sender_for(app, FlakyProvider())
    consume(app, event("booked", facts(19)))
    assert sender.send_due() == 1
    consume(app, *(event("booked", facts(n)) for n in range(20, 25)))
    engine, commits = app.extensions["clinic"].db.engine, []

    def committed(_connection) -> None:
        commits.append(True)

    sqlalchemy_event.listen(engine, "commit", committed)
    try:
        assert sender.send_due() == 5
    finally:
        sqlalchemy_event.remove(engine, "commit", committed)
    assert len(commits) == 1 + 5 + 1
    assert [m.status for m in messages(app, template="confirmation")] == ["sent"] * 6


def test_a_message_whose_lease_ran_out_is_left_for_the_next_claim(app) -> None:
    consume(app, event("booked", facts()))
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    [item] = sender.claim()
    late = dataclasses.replace(item, lease_ends=utcnow() - timedelta(seconds=1))
    assert sender.deliver(late) == "queued"
    assert provider.sent == [], "another worker may hold it now"
    assert sender.deliver(item) == "sent"
    assert [m.ref for m in provider.sent] == [item.outgoing.ref]


def test_a_claim_not_yet_handed_over_is_free_again_in_seconds_not_after_the_lease(app) -> None:
    """A sender killed with messages claimed but still waiting for their place at the rate
    held them for the whole lease, 60 s (the soak of issue 34): a claim lasts
    ``CLAIM_SECONDS`` until its hand-over begins, and what was never handed over is not in
    doubt (no lookup at the provider)."""
    consume(app, event("booked", facts()))
    [dead] = sender_for(app, FlakyProvider()).claim()  # ... and its sender is killed
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    assert sender.claim() == [], "claimed a moment ago by another sender"
    [again] = sender.claim(utcnow() + timedelta(seconds=CLAIM_SECONDS + 1))
    assert again.message_id == dead.message_id and not again.in_doubt
    assert sender.deliver(again) == "sent" and len(provider.sent) == 1


def test_transient_failures_retry_with_backoff_then_succeed(app) -> None:
    consume(app, event("booked", facts()))
    provider = FlakyProvider(TransientError("503"), TransientError("timeout"))
    sender = sender_for(app, provider)
    now = utcnow()
    for minutes in (0, 1, 2):
        sender.send_due(now + timedelta(minutes=minutes))
    [confirmation] = messages(app, template="confirmation")
    assert confirmation.status == "sent" and confirmation.attempts == 3
    assert len(provider.sent) == 1


def test_permanent_failures_end_as_failed(app) -> None:
    consume(app, event("booked", facts()))
    sender = sender_for(app, FlakyProvider(PermanentError("invalid number")))
    sender.send_due()
    [confirmation] = messages(app, template="confirmation")
    assert confirmation.status == "failed" and confirmation.last_error == "invalid number"


def test_a_provider_down_too_long_ends_as_failed_after_the_last_attempt(app) -> None:
    consume(app, event("booked", facts()))
    sender = sender_for(app, FlakyProvider(*[TransientError("down")] * 20))
    now = utcnow()
    for hour in range(12):
        sender.send_due(now + timedelta(hours=hour))
    [confirmation] = messages(app, template="confirmation")
    assert confirmation.status == "failed" and confirmation.attempts == 8


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.mark.parametrize("reminder_hour, booked_hour", [(10, 11), (22, 9)])
def test_an_0800_visit_booked_the_day_before_or_with_a_late_hour_is_reminded_that_evening(
        make_app, clock, reminder_hour: int, booked_hour: int) -> None:
    """Issue 27 item 11a: a visit at 08:00 got no reminder at all — booked after the day
    before's 10:00, or with a reminder hour in quiet hours (moved to 08:00 of the visit's
    day, the visit itself). It goes the evening before, at 20:00, and is sent then."""
    app = make_app("notify", reminder_hour=time(reminder_hour))
    day_before = (datetime.now(SHANGHAI) + timedelta(days=2)).date()
    clock.set(shanghai(day_before, booked_hour))
    visit = shanghai(day_before + timedelta(days=1), 8).astimezone(UTC)
    consume(app, event("booked", facts(start=visit)))
    [reminder] = messages(app, template="reminder", channel="sms")
    assert reminder.status == "queued"
    assert reminder.send_after.astimezone(SHANGHAI) == shanghai(day_before, 20)
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    sender.send_due(shanghai(day_before, 20).astimezone(UTC) + timedelta(minutes=1))
    assert f"msg-{reminder.id}" in [item.ref for item in provider.sent]
    assert messages(app, template="reminder", channel="sms")[0].status == "sent"


def test_reminders_wait_for_quiet_hours_to_end_and_never_fire_once_cancelled(app) -> None:
    consume(app, event("booked", facts()))
    [reminder] = messages(app, template="reminder")
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    sender.send_due()  # the confirmation
    night = reminder.send_after.astimezone(UTC)
    night = night.replace(hour=15, minute=30)  # 23:30 in Shanghai
    if night < reminder.send_after:
        night += timedelta(days=1)
    sender.send_due(night)
    [waiting] = messages(app, template="reminder")
    assert waiting.status == "queued" and waiting.send_after > night
    consume(app, event("cancelled", facts(status="cancelled", cancellation={
        "reason": "patient", "note": None, "by": "li", "alternatives": []})))
    sender.send_due(waiting.send_after + timedelta(minutes=1))
    assert [item.ref for item in provider.sent if "reminder" in item.body] == []
    assert messages(app, template="reminder")[0].status == "cancelled"


def test_a_reminder_says_the_hospitals_address_as_it_is_when_sent(app) -> None:
    """Issue 16: messages are rendered when sent, not when planned."""
    consume(app, event("booked", facts(email="li@example.cn", email_consent=True)))
    [reminder] = messages(app, template="reminder", channel="sms")
    assert "示范路 100 号" in reminder.body and reminder.facts
    moved = dataclasses.replace(HOSPITAL, address="上海市黄浦区新院路 8 号",
                                directions="地铁 8 号线")
    consume(app, Event(type="schedule.hospital.updated", data=moved.to_data(),
                       source="schedule"))
    provider = FlakyProvider()
    sender = sender_for(app, provider, email=FlakyProvider())
    sender.send_due()  # the confirmations
    [confirmation] = messages(app, template="confirmation", channel="sms")
    assert "新院路 8 号" in confirmation.body, "rendered as it was sent"
    sender.send_due(reminder.send_after + timedelta(minutes=1))
    [sent] = [item for item in provider.sent if item.ref == f"msg-{reminder.id}"]
    assert "新院路 8 号" in sent.body and "示范路" not in sent.body
    done = messages(app, template="reminder", channel="sms")[0]
    assert done.status == "sent" and done.body == sent.body and done.facts is None, \
        "sent: the facts kept for rendering are gone"
    [email] = messages(app, template="confirmation", channel="email")
    assert "新院路 8 号" in email.ics.replace("\r\n ", "")


def test_a_message_rendered_with_the_hospitals_facts_of_now_is_not_rendered_again(
        app, monkeypatch) -> None:
    """Rendering again at send time is for facts that changed since planning; with the
    same facts the text would be the same, so the sender does not pay for it."""
    from services.notify.ops.composing import Composer

    consume(app, Event(type="schedule.hospital.updated", data=HOSPITAL.to_data(),
                       source="schedule"),
            event("booked", facts(email="li@example.cn", email_consent=True)))
    planned = {m.id: m.body for m in messages(app, template="confirmation")}
    composed: list[str] = []
    real = Composer.compose

    def counted(self, session, facts, template, *args):
        composed.append(template)
        return real(self, session, facts, template, *args)

    monkeypatch.setattr(Composer, "compose", counted)
    provider = FlakyProvider()
    sender_for(app, provider, email=FlakyProvider()).send_due()
    assert composed == [], "the same facts: nothing rendered again"
    assert {int(item.ref.removeprefix("msg-")): item.body for item in provider.sent} == {
        id_: body for id_, body in planned.items()
        if messages(app, id=id_)[0].channel == "sms"}


def test_the_dev_outbox_keeps_a_retried_message_once(app) -> None:
    rt = app.extensions["clinic"]
    outbox = OutboxProvider(rt.db, "sms")
    item = Outgoing(ref="msg-1", channel="sms", to="+8613800138000", body="hi")
    assert outbox.send(item) == outbox.send(item)
    with rt.db.reading() as session:
        assert len(session.scalars(select(DevOutboxItem)).all()) == 1


@pytest.mark.postgres
def test_two_senders_never_claim_the_same_message(pg_url, make_app) -> None:
    app = make_app("notify", database_url=pg_url)
    for n in range(40):
        consume(app, event("booked", facts(appointment_id=100 + n)))
    senders = [sender_for(app, FlakyProvider()) for _ in range(2)]
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claim_all(index: int) -> None:
        sender = senders[index]
        sender.settings = dataclasses.replace(sender.settings, send_batch_size=3)
        start.wait()
        while batch := sender.claim():
            claimed[index] += [c.message_id for c in batch]

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first, second = set(claimed[0]), set(claimed[1])
    assert first and second, "both senders got work"
    assert not first & second, "no message was claimed twice"
    assert len(first | second) == 40 == len(claimed[0]) + len(claimed[1])


def test_an_sms_to_a_landline_is_logged_as_suppressed_never_as_sent(app) -> None:
    data = facts()
    data["patient"] = {**data["patient"], "phone": "+862155550100", "mobile": False}
    consume(app, event("booked", data))
    assert {(m.template, m.status, m.reason) for m in messages(app, channel="sms")} == {
        ("confirmation", "suppressed", "not a mobile number"),
        ("reminder", "suppressed", "not a mobile number")}


def test_the_message_log_shows_no_patient_link(app, auth_header) -> None:
    consume(app, event("booked", facts()))
    answer = app.test_client().get("/api/v1/messages", headers=auth_header("admin")).json
    assert answer and all("/p/token" not in m["body"] and "[patient link]" in m["body"]
                          for m in answer)


def _cancelled(appointment_id: int = 7, **kw) -> Event:
    return event("cancelled", facts(appointment_id, status="cancelled", cancellation={
        "reason": "patient", "note": None, "by": "li", "alternatives": []}), **kw)


def _moved() -> Event:
    later = datetime.fromisoformat(facts()["slot"]["start"].replace("Z", "+00:00")) \
        + timedelta(days=2)
    return event("rescheduled", facts(start=later, previous=previous()))


def _booked_then_asked_again() -> list[Event]:
    booked = event("booked", facts(7), occurred_at=datetime.now(UTC) - timedelta(minutes=10))
    return [booked, event("confirmation_requested", facts(7))]


def _cancelled_before_an_older_booked() -> list[Event]:
    booked = event("booked", facts())
    return [_cancelled(occurred_at=booked.occurred_at + timedelta(seconds=5)), booked]


#: Bursts whose later events depend on what the earlier ones planned.
BURSTS = {
    "booked then cancelled": lambda: [
        event("booked", facts(email="li@example.cn", email_consent=True)),
        _cancelled(occurred_at=datetime.now(UTC) + timedelta(seconds=1))],
    "booked then moved": lambda: [event("booked", facts()), _moved()],
    "booked, then the confirmation asked again": _booked_then_asked_again,
    "a cancellation before an older booking": _cancelled_before_an_older_booked,
    "two patients, one without consent": lambda: [
        event("booked", facts(7)), event("booked", facts(8, sms=False))],
}


def _planned(app) -> list[tuple]:
    """What was planned; a confirmation's time is the moment it was planned, so only a
    reminder's is compared."""
    return [(m.event_id, m.appointment_id, m.channel, m.template, m.status, m.reason,
             m.send_after if m.template == "reminder" else None, m.body, m.ics is not None)
            for m in messages(app)]


@pytest.mark.parametrize("burst", BURSTS)
def test_events_handled_together_plan_what_they_plan_one_by_one(make_app, tmp_path,
                                                                burst) -> None:
    """The worker handles a burst of events in one transaction (CONSUMER_BATCH): each
    event must still see what the earlier ones planned, as in transactions of its own."""
    events = BURSTS[burst]()
    alone, together = make_app("notify"), make_app("notify", var_dir=tmp_path / "together")
    consume(alone, *events)
    rt = together.extensions["clinic"]
    assert notify_consumer(rt).handle_together(events)
    assert _planned(together) == _planned(alone) != []


def test_a_batch_asks_for_its_opt_outs_once_and_honours_each(app) -> None:
    """The worker's batch looks up every patient's opt-outs, and its appointments, in one
    query each (before_batch), and each event is planned as if it had looked for itself."""
    from sqlalchemy import event as sql_event

    rt = app.extensions["clinic"]
    with rt.db.transaction() as session:
        suppress(session, "sms", "+8613800138001", "api", utcnow())
        suppress(session, "email", "zhao@example.cn", "api", utcnow())
    patients = {7: ("+8613800138000", "li@example.cn"), 8: ("+8613800138001", None),
                9: ("+8613800138002", "zhao@example.cn")}
    batch = []
    for appointment_id, (phone, email) in patients.items():
        data = facts(appointment_id, **({"email": email, "email_consent": True} if email
                                        else {}))
        data["patient"]["phone"] = phone
        batch.append(event("booked", data))
    asked: list[str] = []
    states: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "FROM suppressions" in statement:
            asked.append(statement)
        if "FROM appointments" in statement:
            states.append(statement)

    sql_event.listen(rt.db.engine, "before_cursor_execute", note)
    try:
        assert notify_consumer(rt).handle_together(batch)
    finally:
        sql_event.remove(rt.db.engine, "before_cursor_execute", note)
    assert len(asked) == 1, "one look for the batch, not one per event"
    assert len(states) == 1, "the batch's appointments read once, not one per event"
    told = {(m.appointment_id, m.channel): (m.status, m.reason)
            for m in messages(app, template="confirmation")}
    assert told == {(7, "sms"): ("queued", None), (7, "email"): ("queued", None),
                    (8, "sms"): ("suppressed", "opted out"),
                    (9, "sms"): ("queued", None), (9, "email"): ("suppressed", "opted out")}


def test_a_batch_with_an_event_already_handled_keeps_nothing_of_itself(app) -> None:
    """A redelivered event in a batch fails the batch as a whole (its inbox row is
    there): nothing of the batch is kept, and the worker handles them one by one."""
    from services.common.service import make_consumer

    rt = app.extensions["clinic"]
    consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
    seen = event("booked", facts(7))
    consumer.handle(seen)
    assert not consumer.handle_together([event("booked", facts(8)), seen])
    assert {m.appointment_id for m in messages(app)} == {7}
    assert consumer.handle_together([event("booked", facts(9)), event("booked", facts(10))])
    assert {m.appointment_id for m in messages(app)} == {7, 9, 10}


class SlowProvider:
    """Takes a while per message, as a real gateway does, and notes who was being sent
    to at the same time."""

    name = "slow"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: list[str] = []
        self.most_at_once = 0
        self.overlapping_one_recipient = False
        self.order: list[tuple[str, str]] = []

    def send(self, item: Outgoing) -> str:
        import time

        with self.lock:
            self.overlapping_one_recipient |= item.to in self.in_flight
            self.in_flight.append(item.to)
            self.most_at_once = max(self.most_at_once, len(self.in_flight))
            self.order.append((item.to, item.ref))
        time.sleep(0.1)
        with self.lock:
            self.in_flight.remove(item.to)
        return f"p-{item.ref}"


def test_the_sender_hands_over_to_several_recipients_at_once_each_in_order(app) -> None:
    """Eight patients, one of them told of a booking and then of its cancellation: the
    eight are sent to at the same time, the one's two messages one after the other in the
    order they were planned."""
    for n in range(8):
        data = facts(7 + n)
        data["patient"]["phone"] = f"+86138001380{n:02d}"
        consume(app, event("booked", data))
    cancelled = facts(7, status="cancelled", cancellation={
        "reason": "patient", "note": None, "by": "li", "alternatives": []})
    cancelled["patient"]["phone"] = "+8613800138000"
    consume(app, event("cancelled", cancelled,
                       occurred_at=datetime.now(UTC) + timedelta(seconds=1)))
    provider = SlowProvider()
    sender = sender_for(app, provider)
    # Threads enough for all nine at once: only the grouping keeps the one's two apart.
    sender.settings = dataclasses.replace(sender.settings, send_concurrency=16)
    assert sender.send_due() == 9
    assert provider.most_at_once > 1, "recipients were sent to at the same time"
    assert not provider.overlapping_one_recipient
    planned = [f"msg-{m.id}" for m in messages(app, recipient="+8613800138000")
               if m.status == "sent"]
    assert [ref for to, ref in provider.order if to == "+8613800138000"] == planned
    assert len(planned) == 2
    assert {m.status for m in messages(app) if m.template != "reminder"} == {"sent"}


@pytest.mark.postgres
def test_an_opt_out_made_while_its_confirmation_is_planned_still_stops_it(
        pg_url, make_app, monkeypatch) -> None:
    """The patient opts out (a STOP reply) while the consumer is planning their
    confirmation: the planner had looked and found no opt-out, and the opt-out's
    withdrawal of queued messages cannot see a row not yet committed. The sender looks
    again when it claims the message, so nothing goes."""
    import services.notify.ops.planning as planning

    app = make_app("notify", database_url=pg_url)
    db = app.extensions["clinic"].db
    real = planning.suppressed_channels
    opted_out = threading.Event()

    def then_the_patient_opts_out(session, patient):
        found = real(session, patient)

        def stop_reply() -> None:
            with db.transaction() as other:
                suppress(other, "sms", patient.phone, "reply", utcnow())
            opted_out.set()

        threading.Thread(target=stop_reply).start()
        assert opted_out.wait(10), "the opt-out was not held up by the planning"
        return found

    monkeypatch.setattr(planning, "suppressed_channels", then_the_patient_opts_out)
    consume(app, event("booked", facts()))
    assert {m.status for m in messages(app, channel="sms")} == {"queued"}, \
        "the race happened: planned after the opt-out was recorded"
    provider = FlakyProvider()
    sender_for(app, provider).send_due()
    assert provider.sent == []
    [confirmation] = messages(app, template="confirmation")
    assert (confirmation.status, confirmation.reason) == ("suppressed", "opted out")


class KnowingProvider(FlakyProvider):
    """A gateway that can be asked whether it already has a message (by our reference)."""

    def __init__(self, has: set[str]) -> None:
        super().__init__()
        self.has = has

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        assert handed_at is not None, "an earlier sender's hand-over time is passed on"
        return f"gw-{item.ref}" if item.ref in self.has else None


@pytest.mark.parametrize("gateway_has_it", [True, False], ids=["it-went", "it-did-not"])
def test_an_opt_out_after_a_sender_died_holding_the_message_is_not_guessed(
        app, gateway_has_it) -> None:
    """A sender took the confirmation and died; then the patient opted out. The log must
    say what happened: sent if the gateway has it (it went before the opt-out), withdrawn
    if not — and nothing is handed over after the opt-out either way."""
    consume(app, event("booked", facts()))
    dying = sender_for(app, FlakyProvider())
    [taken] = dying.claim()
    assert dying._handing_over(taken) is not None  # ... and it dies handing it over
    with app.extensions["clinic"].db.transaction() as session:
        suppress(session, "sms", "+8613800138000", "reply", utcnow())
    assert messages(app, id=taken.message_id)[0].status == "queued", "left to the sender"
    provider = KnowingProvider({taken.outgoing.ref} if gateway_has_it else set())
    sender = sender_for(app, provider)
    later = utcnow() + timedelta(seconds=app.extensions["clinic"].settings.send_lease_seconds + 1)
    [again] = sender.claim(later)
    assert again.in_doubt and again.opted_out
    sender.deliver(again)
    assert provider.sent == [], "nothing handed over after the opt-out"
    message = messages(app, id=taken.message_id)[0]
    if gateway_has_it:
        assert (message.status, message.provider_id) == ("sent", f"gw-{taken.outgoing.ref}")
    else:
        assert (message.status, message.reason) == ("suppressed", "opted out")
