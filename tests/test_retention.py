"""Data kept only as long as it serves (SPEC §8): delivery records after
OUTBOX_RETENTION_DAYS, message texts after MESSAGE_RETENTION_DAYS; the counts stay."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import func, select

from services.booking.models import IdempotencyRecord, PatientLink
from services.booking.models import OutboxMessage as BookingOutbox
from services.booking.ops.retention import purge_old as purge_booking
from services.common.service import make_relay
from services.notify.models import InboxRecord, Message
from services.notify.ops.retention import purge_old as purge_notify
from tests.support.booking import Inventory, Staff, bearer, tomorrow
from tests.support.notify import event, facts


def count(app, model, *where) -> int:
    with app.extensions["clinic"].db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_booking_forgets_published_events_and_stored_answers_after_a_week(
        make_app, clock, broker) -> None:
    booking = make_app("booking", **broker.settings())
    visit_day = tomorrow() + timedelta(days=10)  # its link outlives the week
    slot_id = Inventory(booking).session(visit_day, time(8), count=1)[0]
    consultant = Staff(booking, bearer("consultant", "li"))
    consultant.post("/api/v1/appointments", headers={"Idempotency-Key": "k1"}, json={
        "slot_id": slot_id, "channel": "chat", "patient": {"name": "甲", "phone": "13800138000"}})
    rt = booking.extensions["clinic"]
    make_relay(rt, BookingOutbox).drain()
    unpublished = consultant.post("/api/v1/appointments/1/cancel", json={})
    assert unpublished.status_code == 200
    clock.advance(timedelta(days=6))
    assert purge_booking(rt) == 0, "a week has not passed"
    clock.advance(timedelta(days=2))
    assert purge_booking(rt) == 2, "the published event and the stored answer"
    assert count(booking, IdempotencyRecord) == 0
    assert count(booking, BookingOutbox) == 1, "an event not yet published stays"
    assert count(booking, PatientLink) == 1
    clock.advance(timedelta(days=5))  # a day after the visit
    assert purge_booking(rt) == 1 and count(booking, PatientLink) == 0, "the dead link goes"


def test_notify_forgets_handled_events_then_empties_old_messages(make_app, clock) -> None:
    from tests.support.notify import consume

    notify = make_app("notify")
    consume(notify, event("booked", facts()))
    rt = notify.extensions["clinic"]
    with rt.db.transaction() as session:
        for message in session.scalars(select(Message).where(Message.template
                                                             == "confirmation")):
            message.status = "sent"
    clock.advance(timedelta(days=8))
    assert purge_notify(rt) == 1 and count(notify, InboxRecord) == 0
    clock.advance(timedelta(days=180))
    purge_notify(rt)
    assert count(notify, Message) == 2, "the messages stay, as counts"
    assert count(notify, Message, Message.body == "") == 1, "the sent one is emptied"
    assert count(notify, Message, Message.status == "queued", Message.body != "") == 1, \
        "a message still waiting keeps its text"
