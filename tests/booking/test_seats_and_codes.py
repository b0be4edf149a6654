"""The booking's one INSERT: the lowest free seat and a unique code, on both databases.

The seat is found by SQL inside the appointment's INSERT (``ops/seats.py``), and a code
already given is skipped by the unique index and tried again; these tests hold both to
what they replace (a Python search over the taken seats, a read of the code first).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from services.booking.domain.statuses import AppointmentStatus
from services.booking.models import Appointment, Patient, Slot
from services.booking.ops import seats
from tests.support.booking import PHONES, Inventory, Staff, bearer, tomorrow

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)
# Statuses outside "one active per patient, expert and day", so one patient can hold many
# seats of one slot here; cancelled ones hold none.
STATUSES = [AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED]


def lowest_free(capacity: int, live: set[int]) -> int | None:
    return next((n for n in range(1, capacity + 1) if n not in live), None)


@pytest.fixture
def slot_and_patient(make_app, database_url) -> Any:
    app = make_app("booking", database_url=database_url)
    slot_id = Inventory(app).session(tomorrow(), time(8), count=1, capacity=6)[0]
    db = app.extensions["clinic"].db
    with db.transaction() as session:
        patient_id = session.execute(insert(Patient).values(
            phone="+8613800138000", name="座位", name_key="座位", created_at=NOW,
            updated_at=NOW).returning(Patient.id)).scalar_one()
    yield db, slot_id, patient_id
    db.dispose()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 9), st.sampled_from(STATUSES)), max_size=9))
def test_the_seat_sql_finds_the_lowest_seat_no_live_appointment_holds(
        slot_and_patient, rows: list[tuple[int, AppointmentStatus]]) -> None:
    """Seats beyond capacity (overbooked walk-ins) and cancelled rows included."""
    db, slot_id, patient_id = slot_and_patient
    live: set[int] = set()
    with db.sessions() as session, session.begin():
        slot = session.get(Slot, slot_id)
        assert slot is not None
        for n, (seat, status) in enumerate(rows):
            if status != AppointmentStatus.CANCELLED:
                if seat in live:
                    continue  # one live appointment per seat: the unique index says so
                live.add(seat)
            session.execute(insert(Appointment).values(
                code=f"S{n:07d}", slot_id=slot_id,
                expert_id=slot.expert_id, department_id=slot.department_id, day=slot.day,
                start_at=slot.start_at, session_end_at=slot.session_end_at,
                patient_id=patient_id, status=status, seat=seat, queue_number=seat,
                overbooked=seat > slot.capacity, channel="chat", booked_by="t",
                created_at=NOW, updated_at=NOW))
        assert seats.free_seat(session, slot) == lowest_free(slot.capacity, live)
        session.rollback()  # each example starts from an empty slot


@pytest.fixture
def app_on(make_app, database_url) -> Any:
    app = make_app("booking", database_url=database_url)
    yield app
    app.extensions["clinic"].db.dispose()


def test_a_code_already_given_is_skipped_and_another_tried(app_on, monkeypatch) -> None:
    """The first code drawn for the second booking is the first booking's: the unique
    index skips the row (no error, no read first) and the next code goes in."""
    slot_id = Inventory(app_on).session(tomorrow(), time(8), count=1, capacity=3)[0]
    consultant = Staff(app_on, bearer("consultant", "li"))
    first = consultant.book(slot_id, phone=PHONES[0]).json
    drawn: list[str] = []
    codes = iter([first["code"], "NEWCODE2"])

    def draw() -> str:
        drawn.append(next(codes))
        return drawn[-1]

    monkeypatch.setattr(seats, "new_code", draw)
    second = consultant.book(slot_id, phone=PHONES[1])
    assert second.status_code == 201, second.json
    assert second.json["code"] == "NEWCODE2" and drawn == [first["code"], "NEWCODE2"]
    assert second.json["queue_number"] == 2
    with app_on.extensions["clinic"].db.reading() as session:
        codes_of_slot = session.scalars(select(Appointment.code).where(
            Appointment.slot_id == slot_id).order_by(Appointment.id)).all()
    assert codes_of_slot == [first["code"], "NEWCODE2"]


def test_codes_that_keep_colliding_fail_the_booking_and_leave_nothing(app_on,
                                                                      monkeypatch) -> None:
    slot_id = Inventory(app_on).session(tomorrow(), time(8), count=1, capacity=3)[0]
    consultant = Staff(app_on, bearer("consultant", "li"))
    taken = consultant.book(slot_id, phone=PHONES[0]).json["code"]
    monkeypatch.setattr(seats, "new_code", lambda: taken)
    # Five random codes all taken cannot happen by chance (8.5e11 codes): it is a fault,
    # answered as one, and the transaction keeps nothing of the booking.
    assert consultant.book(slot_id, phone=PHONES[1]).status_code == 500
    assert Inventory(app_on).counts(slot_id) == (1, 0, 0), "the place went back"
