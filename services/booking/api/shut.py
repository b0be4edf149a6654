"""A booking for a slot this process knows is shut, refused before the database is asked."""

from __future__ import annotations

from flask import current_app

from services.common.idempotency import request_key
from services.common.web import reading

from ..config import runtime
from ..ops.booking import BookingRequest, refuse_from_memory
from ..reads.shut import ShutSlots, shut_slots_for


def kept_shut_slots() -> ShutSlots | None:
    """This app's shut slots (their feed started on first use); None on SQLite."""
    db = runtime().db
    return shut_slots_for(current_app.extensions, db.url, db.dialect)


def refuse_if_known_shut(request: BookingRequest) -> None:
    """Raise the refusal :func:`..ops.booking.refuse_early` would raise, when the slot is
    known shut and the kept state is live. A request with an ``Idempotency-Key`` goes to
    the database: the key's earlier answer (a booking) comes before any refusal."""
    kept = kept_shut_slots()
    if kept is None or request.slot_id is None or request_key() is not None:
        return
    if kept.shut(request.slot_id) is None:
        return
    with reading() as w:  # the desk (clock, zone) from the process's kept hospital
        refuse_from_memory(w.session, w.desk, request, kept.shut)
