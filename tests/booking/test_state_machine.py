"""Holds, bookings, cancellations, reschedules and expiry in any order keep the counts true.

A hypothesis state machine drives booking's own functions against a real
database (SQLite and PostgreSQL) and a small model of what should be. After
every step: ``booked + held <= capacity``, the counters equal the rows, seats are
unique, and every refusal was one the model predicted.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from services.booking.config import BookingSettings
from services.booking.domain.patients import PatientDetails, PatientRequest
from services.booking.domain.statuses import CancelReason
from services.booking.models import Appointment, Base, Hold, Hospital, Slot
from services.booking.ops import booking, changes, holds
from services.common.bus import Bus
from services.common.db import Database
from services.common.hospital_copy import hospital_reader
from services.common.refusals import Refusal
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work
from tests.support.booking import SHANGHAI, Inventory, tomorrow
from tests.support.depth import examples as examples_at

CAPACITIES = {1: (1, 2, 3), 2: (2, 1)}  # expert → capacities of their slots, all tomorrow
PATIENTS = ("+8613800130001", "+8613800130002", "+8613800130003")
CONSULTANTS = ("li", "wang")
MAX_HOLDS = 3


class _App:
    """Just enough of a Flask app for :class:`Inventory`."""

    def __init__(self, db: Database, booking_settings: BookingSettings) -> None:
        bus = Bus("filesystem://", bus_dir=booking_settings.var_dir / "bus")
        self.extensions = {"clinic": Runtime(settings=booking_settings, db=db, bus=bus,
                                             hospital=hospital_reader(Hospital))}


class BookingMachine(RuleBasedStateMachine):
    db: Database
    booking_settings: BookingSettings

    held_places = Bundle("holds")
    appointments = Bundle("appointments")

    def __init__(self) -> None:
        super().__init__()
        with self.db.transaction() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        app = _App(self.db, self.booking_settings)
        self.rt = app.extensions["clinic"]
        inventory = Inventory(app)
        self.capacity: dict[int, int] = {}
        self.expert_of: dict[int, int] = {}
        for expert, capacities in CAPACITIES.items():
            for capacity, slot_id in zip(capacities, [
                    inventory.session(tomorrow(), time(8 + n), count=1, capacity=c,
                                      expert_id=expert)[0]
                    for n, c in enumerate(capacities)], strict=True):
                self.capacity[slot_id] = capacity
                self.expert_of[slot_id] = expert
        self.slots = sorted(self.capacity)
        self.clock = datetime.now(SHANGHAI)
        self.booked = dict.fromkeys(self.slots, 0)
        self.held: dict[str, tuple[int, str, datetime]] = {}  # active holds
        self.owner: dict[str, str] = {}  # every hold ever made → its consultant
        self.active: dict[int, tuple[int, str]] = {}  # appointment → (slot, patient)

    # --- the model -------------------------------------------------------------------------

    def room(self, slot_id: int) -> bool:
        held = sum(1 for s, _, _ in self.held.values() if s == slot_id)
        return self.booked[slot_id] + held < self.capacity[slot_id]

    def has_active(self, patient: str, slot_id: int, except_id: int | None = None) -> bool:
        expert = self.expert_of[slot_id]
        return any(p == patient and self.expert_of[s] == expert and a != except_id
                   for a, (s, p) in self.active.items())

    def run(self, by: str, action):
        with unit_of_work(self.rt, by, now=self.clock) as work:
            return action(work.session, work.desk)

    # --- rules -----------------------------------------------------------------------------

    @rule(target=held_places, slot=st.integers(0, 4), by=st.sampled_from(CONSULTANTS))
    def hold(self, slot: int, by: str):
        slot_id = self.slots[slot]
        capped = sum(1 for _, who, _ in self.held.values() if who == by) >= MAX_HOLDS
        expected = self.room(slot_id)
        try:
            hold_id = self.run(by, lambda s, d: holds.place_hold(s, d, slot_id).id)
        except Refusal as exc:
            assert (exc.code == "too_many_holds" and capped) or \
                (exc.code == "slot_full" and not expected and not capped)
            return multiple()
        assert expected and not capped
        self.held[hold_id] = (slot_id, by, self.clock + timedelta(seconds=300))
        self.owner[hold_id] = by
        return hold_id

    @rule(hold_id=consumes(held_places))
    def release(self, hold_id: str) -> None:
        self.run(self.owner[hold_id], lambda s, d: holds.release_hold(s, d, hold_id))
        self.held.pop(hold_id, None)

    @rule(target=appointments, slot=st.integers(0, 4), patient=st.sampled_from(PATIENTS))
    def book(self, slot: int, patient: str):
        slot_id = self.slots[slot]
        return self._book(CONSULTANTS[0], patient, slot_id=slot_id)

    @rule(target=appointments, hold_id=consumes(held_places), patient=st.sampled_from(PATIENTS))
    def book_with_hold(self, hold_id: str, patient: str):
        if hold_id not in self.held:
            try:
                self.run(self.owner[hold_id], lambda s, d: booking.book(s, d, self._request(
                    patient, hold_id=hold_id)))
            except Refusal as exc:
                assert exc.code == "hold_expired"
                return multiple()
            raise AssertionError("a used, released or expired hold booked a place")
        slot_id, by, _ = self.held[hold_id]
        return self._book(by, patient, hold_id=hold_id, slot_id=slot_id)

    def _request(self, patient: str, **where: object) -> booking.BookingRequest:
        details = PatientDetails(name="患者", phone=patient)
        return booking.BookingRequest(patient=PatientRequest(details), channel="chat", **where)

    def _book(self, by: str, patient: str, slot_id: int, hold_id: str | None = None):
        duplicate = self.has_active(patient, slot_id)
        room = hold_id is not None or self.room(slot_id)
        try:
            request = self._request(patient, hold_id=hold_id) if hold_id else self._request(
                patient, slot_id=slot_id)
            appointment_id = self.run(by, lambda s, d: booking.book(s, d, request).id)
        except Refusal as exc:
            if exc.code == "duplicate":
                assert duplicate
            else:
                assert exc.code == "slot_full" and not room and not duplicate
            return multiple()
        assert not duplicate and room
        if hold_id:
            self.held.pop(hold_id)
        self.booked[slot_id] += 1
        self.active[appointment_id] = (slot_id, patient)
        return appointment_id

    @rule(appointment_id=consumes(appointments))
    def cancel(self, appointment_id: int) -> None:
        self.run("frontdesk", lambda s, d: changes.cancel(s, d, appointment_id,
                                                          CancelReason.PATIENT))
        slot_id, _ = self.active.pop(appointment_id)
        self.booked[slot_id] -= 1

    @rule(appointment_id=appointments, slot=st.integers(0, 4))
    def reschedule(self, appointment_id: int, slot: int) -> None:
        old_slot, patient = self.active[appointment_id]
        new_slot = self.slots[slot]
        try:
            self.run("li", lambda s, d: changes.reschedule(s, d, appointment_id, new_slot))
        except Refusal as exc:
            expected = {"same_slot": new_slot == old_slot,
                        "duplicate": self.has_active(patient, new_slot, appointment_id),
                        "slot_full": not self.room(new_slot)}
            assert expected.get(exc.code), (exc.code, expected)
            return
        assert new_slot != old_slot and self.room(new_slot)
        self.booked[old_slot] -= 1
        self.booked[new_slot] += 1
        self.active[appointment_id] = (new_slot, patient)

    @rule(seconds=st.sampled_from([60, 301]))
    def time_passes(self, seconds: int) -> None:
        self.clock += timedelta(seconds=seconds)
        self.run("system", holds.expire_stale_holds)
        self.held = {h: v for h, v in self.held.items() if v[2] > self.clock}

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def counts_are_true(self) -> None:
        with self.db.reading() as session:
            for slot in session.scalars(select(Slot)):
                assert slot.booked + slot.held <= slot.capacity
                rows = session.scalar(select(func.count()).select_from(Appointment).where(
                    Appointment.slot_id == slot.id, Appointment.status != "cancelled"))
                live_holds = session.scalar(select(func.count()).select_from(Hold).where(
                    Hold.slot_id == slot.id, Hold.status == "active"))
                assert slot.booked == rows == self.booked[slot.id]
                held_model = sum(1 for s, _, _ in self.held.values() if s == slot.id)
                assert slot.held == live_holds == held_model
                seats = session.scalars(select(Appointment.seat).where(
                    Appointment.slot_id == slot.id, Appointment.status != "cancelled")).all()
                assert len(seats) == len(set(seats))
                assert all(1 <= seat <= slot.capacity for seat in seats)


@pytest.mark.slow
def test_counts_stay_true_whatever_the_order(database_url: str, make_settings) -> None:
    booking_settings = make_settings(BookingSettings, database_url=database_url)
    db = Database(database_url)
    Base.metadata.create_all(db.engine)
    BookingMachine.db = db
    BookingMachine.booking_settings = booking_settings
    # Runs of 30 steps: 20 on SQLite and 10 on PostgreSQL a run in ``make test``, three
    # times that in ``make test-deep`` (tests/support/depth.py).
    examples = (examples_at(everyday=20, deep=60) if db.dialect == "sqlite"
                else examples_at(everyday=10, deep=30))
    # No shrinking: each step is a real transaction, and shrinking a long failing run
    # takes minutes; the unshrunk steps are printed and reproduce the failure.
    try:
        run_state_machine_as_test(BookingMachine, settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            phases=[Phase.explicit, Phase.reuse, Phase.generate]))
    finally:
        db.dispose()


# --- illegal moves through the API ---------------------------------------------------------------

def test_illegal_status_moves_are_refused_through_the_api(inv, consultant, frontdesk,
                                                          clock) -> None:
    """Issue 29 item 8: each move the state machine forbids (SPEC §3) is a 409
    ``wrong_status`` through the API and leaves the appointment as it was; and a checked-in
    visit still counts as the patient's one active appointment with the expert that day."""
    from tests.support.booking import PHONES

    day = tomorrow()
    slots = inv.session(day, time(10), count=4, capacity=5)
    ids = {}
    for who, phone in zip(("checked_in", "cancelled", "booked", "no_show"), PHONES,
                          strict=False):
        answer = consultant.book(slots[0], phone=phone, name=f"病人{who}")
        assert answer.status_code == 201, answer.json
        ids[who] = answer.json["id"]

    def act(who: str, move: str, **body) -> object:
        url = f"/api/v1/appointments/{ids[who]}/{move}"
        return frontdesk.post(url, json=body) if body else frontdesk.post(url)

    def status_of(who: str) -> str:
        return consultant.get(f"/api/v1/appointments/{ids[who]}").json["status"]

    clock.set(datetime.combine(day, time(8), tzinfo=SHANGHAI))  # the visit's day, before it
    assert act("checked_in", "check-in").status_code == 200
    assert act("cancelled", "cancel", reason="patient").status_code == 200
    refused = {
        ("checked_in", "cancel"): act("checked_in", "cancel", reason="patient"),
        ("cancelled", "undo-no-show"): act("cancelled", "undo-no-show", reason="弄错了"),
        ("cancelled", "check-in"): act("cancelled", "check-in"),
        ("cancelled", "complete"): act("cancelled", "complete"),
        ("booked", "complete"): act("booked", "complete"),
        ("booked", "undo-check-in"): act("booked", "undo-check-in", reason="弄错了"),
        ("booked", "undo-no-show"): act("booked", "undo-no-show", reason="弄错了"),
        ("checked_in", "check-in"): act("checked_in", "check-in"),
    }
    clock.set(datetime.combine(day, time(10, 5), tzinfo=SHANGHAI))  # the visit has begun
    assert act("no_show", "no-show").status_code == 200
    refused |= {
        ("no_show", "check-in"): act("no_show", "check-in"),
        ("no_show", "complete"): act("no_show", "complete"),
        ("no_show", "undo-check-in"): act("no_show", "undo-check-in", reason="弄错了"),
        ("checked_in", "no-show"): act("checked_in", "no-show"),
        ("cancelled", "no-show"): act("cancelled", "no-show"),
    }
    for move, answer in refused.items():
        assert (answer.status_code, answer.json["code"]) == (409, "wrong_status"), move
    assert {who: status_of(who) for who in ids} == {
        "checked_in": "checked_in", "cancelled": "cancelled", "booked": "booked",
        "no_show": "no_show"}
    again = consultant.book(slots[3], phone=PHONES[0], name="病人checked_in")
    assert again.status_code == 409 and again.json["code"] == "duplicate", \
        "a checked-in visit is active: one per patient, expert and day"
    assert again.json["existing"]["id"] == ids["checked_in"]
