"""Booking's events leave through the outbox and arrive on a bound queue, on both transports."""

from __future__ import annotations

from datetime import time

from kombu import Queue, binding

from services.booking.models import OutboxMessage
from services.common.bus import EXCHANGE
from services.common.events import Event
from services.common.service import make_relay
from tests.support.booking import Inventory, Staff, tomorrow


def test_booking_events_reach_a_queue_bound_to_them(broker, make_app, auth_header) -> None:
    app = make_app("booking", **broker.settings())
    rt = app.extensions["clinic"]
    queue = Queue("clinic.events--test", exchange=EXCHANGE, durable=True,
                  bindings=[binding(EXCHANGE, routing_key="booking.appointment.*")])
    rt.bus.declare(queue)
    inventory = Inventory(app)
    slot_id = inventory.session(tomorrow(), time(9), count=1)[0]
    consultant = Staff(app, auth_header("consultant"))
    booked = consultant.book(slot_id).json
    consultant.post(f"/api/v1/appointments/{booked['id']}/cancel", json={"reason": "patient"})

    assert make_relay(rt, OutboxMessage).drain() == 2
    received: list[Event] = []
    with rt.bus.connection() as conn, conn.SimpleQueue(queue) as simple:
        for _ in range(2):
            message = simple.get(block=True, timeout=10)
            received.append(Event.from_dict(message.payload))
            message.ack()
    assert [e.type for e in received] == ["booking.appointment.booked",
                                          "booking.appointment.cancelled"]
    assert all(e.source == "booking" and e.data["code"] == booked["code"] for e in received)
    assert received[0].data["patient"]["sms_consent"] is True
    assert received[1].data["cancellation"]["reason"] == "patient"
