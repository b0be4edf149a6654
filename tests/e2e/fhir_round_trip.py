"""A hospital system's round trip through ``/fhir`` against the clinic as ``make run``
starts it (SPEC §13): an account made with the staff CLI books a slot full, finds its
appointment by identifier, cancels it, and the slot is free again; the booking was an
ordinary one — its event crossed the bus, the patient's confirmation SMS is in notify's
outbox, the front desk's roster shows it with the channel fhir.

``test_make_run.py`` runs it in its two clinics, on SQLite and the file bus and on
PostgreSQL and RabbitMQ, after their own booking (a clinic's start is 6–8 CPU-s: one
each, not two)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select

from services.booking.domain.fhir import APPOINTMENT_CODE_SYSTEM, REMAINING_PLACES_URL
from services.booking.domain.fhir_booking import SMS_CONSENT_URL
from services.booking.models import OutboxMessage
from services.common.db import Database
from tests.e2e.test_make_run import confirmation_in_outbox, wait_for
from tests.support.fhir import FHIR_JSON, extension, found, resource, searchset

PASSWORD = "his-password-42"
PHONES = ("13811112222", "13912345678", "13700001111", "13600002222", "13500003333",
          "13300004444")
HL7_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"


class Answer:
    """A ``requests`` answer as the FHIR helpers read a test client's."""

    def __init__(self, answer: requests.Response) -> None:
        self.status_code, self.headers = answer.status_code, answer.headers
        self.mimetype = answer.headers.get("Content-Type", "").split(";")[0].strip()
        self.answer = answer

    def get_json(self) -> Any:
        return self.answer.json()

    def get_data(self, as_text: bool = True) -> str:
        return self.answer.text


def call(method: str, url: str, **kwargs: Any) -> Answer:
    return Answer(requests.request(method, url, timeout=10, **kwargs))


def system_account(clinic: Any) -> dict[str, str]:
    """``clinic-schedule staff create his --role integration``, then its token."""
    made = subprocess.run(
        [str(Path(sys.executable).parent / "clinic-schedule"), "staff", "create", "his",
         "--name", "院内 HIS", "--role", "integration", "--password", PASSWORD],
        env=clinic.env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    return {"Authorization": f"Bearer {clinic.token('his', PASSWORD)}"}


def appointment(slot_id: str, phone: str, name: str) -> dict[str, Any]:
    return {"resourceType": "Appointment", "status": "booked", "comment": "复诊",
            "slot": [{"reference": f"Slot/{slot_id}"}],
            "contained": [{"resourceType": "Patient", "id": "p", "name": [{"text": name}],
                           "telecom": [{"system": "phone", "value": phone}],
                           "extension": [{"url": SMS_CONSENT_URL, "valueBoolean": True}]}],
            "participant": [{"actor": {"reference": "#p"}, "status": "accepted"}]}


def booked_events(booking_db: str, code: str) -> list[str]:
    """The booked events of this appointment as booking's relay published them."""
    db = Database(booking_db)
    try:
        with db.reading() as session:
            rows = session.scalars(select(OutboxMessage).where(
                OutboxMessage.event_type == "booking.appointment.booked")).all()
            return [row.body for row in rows
                    if code in row.body and row.published_at is not None]
    finally:
        db.dispose()


def round_trip(clinic: Any, booking_db: str, notify_db: str) -> None:
    clinic.wait_ready()
    his = system_account(clinic)
    fhir = f"{clinic.urls['booking']}/fhir"
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()

    def slot_now(slot_id: str) -> dict[str, Any]:
        return resource(call("GET", f"{fhir}/Slot/{slot_id}", headers=his), "Slot")

    def a_free_slot() -> dict[str, Any] | None:
        bundle = searchset(call("GET", f"{fhir}/Slot", headers=his, params={
            "status": "free", "start": f"ge{tomorrow}", "_count": 5}), "Slot")
        return next(iter(found(bundle)), None)

    assert wait_for(lambda: a_free_slot() is not None, timeout=60), "demo slots in booking"
    slot = a_free_slot()
    assert slot is not None
    places = extension(slot, REMAINING_PLACES_URL)["valueUnsignedInt"]
    assert 1 <= places < len(PHONES)

    first = appointment(slot["id"], PHONES[0], "测试患者")
    headers = {**his, "Content-Type": FHIR_JSON, "Idempotency-Key": "his-order-1"}
    answer = call("POST", f"{fhir}/Appointment", json=first, headers=headers)
    made = resource(answer, "Appointment", 201)
    assert answer.headers["Location"] == f"/fhir/Appointment/{made['id']}"
    replay = call("POST", f"{fhir}/Appointment", json=first, headers=headers)
    assert resource(replay, "Appointment", 201)["id"] == made["id"], "the key's own answer"
    for n in range(1, places):  # the slot's other places, to see it busy
        other = appointment(slot["id"], PHONES[n], f"患者{n}")
        resource(call("POST", f"{fhir}/Appointment", json=other,
                      headers={**his, "Content-Type": FHIR_JSON}), "Appointment", 201)
    assert slot_now(slot["id"])["status"] == "busy"

    code = made["identifier"][0]["value"]
    by_code = {"identifier": f"{APPOINTMENT_CODE_SYSTEM}|{code}"}
    search = searchset(call("GET", f"{fhir}/Appointment", params=by_code, headers=his),
                       "Appointment")
    assert search["total"] == 1 and found(search)[0]["id"] == made["id"]
    assert found(search)[0]["status"] == "booked"

    # an ordinary booking: its event on the bus, its SMS, its roster line
    assert wait_for(lambda: len(booked_events(booking_db, code)) == 1), "published once"
    assert json.loads(booked_events(booking_db, code)[0])["data"]["channel"] == "fhir"
    assert wait_for(lambda: confirmation_in_outbox(notify_db, code)), "the patient got an SMS"
    frontdesk = {"Authorization": f"Bearer {clinic.token('frontdesk')}"}
    roster = requests.get(f"{clinic.urls['booking']}/api/v1/roster",
                          params={"date": slot["start"][:10]}, headers=frontdesk,
                          timeout=10).json()
    lines = [a for e in roster["experts"] for s in e["sessions"] for a in s["appointments"]]
    assert [(a["channel"], a["status"]) for a in lines if a["code"] == code] == [
        ("fhir", "booked")]

    cancel = [{"op": "replace", "path": "/status", "value": "cancelled"},
              {"op": "add", "path": "/cancelationReason",
               "value": {"coding": [{"system": HL7_REASON, "code": "pat"}]}}]
    done = call("PATCH", f"{fhir}/Appointment/{made['id']}", json=cancel,
                headers={**his, "Content-Type": "application/json-patch+json"})
    assert resource(done, "Appointment")["status"] == "cancelled"
    again = searchset(call("GET", f"{fhir}/Appointment", params=by_code, headers=his),
                      "Appointment")
    assert found(again)[0]["status"] == "cancelled"
    freed = slot_now(slot["id"])
    assert freed["status"] == "free"
    assert extension(freed, REMAINING_PLACES_URL)["valueUnsignedInt"] == 1
