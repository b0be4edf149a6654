"""The migration that gave patients records of their own splits the phone-keyed rows.

Before it, booking 小红 on the phone 小明 was booked with renamed 小明's record.
After it, each appointment belongs to a patient with the name it was booked with.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import text

from services.common.db import Database
from services.common.migrations import upgrade

BEFORE = "d5943e1db1e0"
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC).replace(tzinfo=None)
PHONE = "+8613800138000"


def migrate(db: Database, revision: str) -> None:
    upgrade(db, "services.booking:migrations", revision)


def booked_event(appointment_id: int, name: str, email: str | None) -> str:
    return json.dumps({"id": f"00000000-0000-0000-0000-00000000000{appointment_id}",
                       "type": "booking.appointment.booked", "source": "booking",
                       "occurred_at": "2026-11-20T01:00:00Z", "version": 1,
                       "data": {"appointment_id": appointment_id, "patient": {
                           "name": name, "phone": PHONE, "email": email,
                           "sms_consent": True, "email_consent": email is not None}}})


def test_a_shared_phone_becomes_one_patient_per_name(database_url: str) -> None:
    db = Database(database_url)
    migrate(db, BEFORE)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO experts (id, code, name, title, department_id, fee, "
                          "active, facts_at) VALUES (1, 'E1', '王', '', 1, 0, true, :t)"),
                     {"t": NOW})
        conn.execute(text(
            "INSERT INTO slots (id, expert_id, department_id, day, start_at, end_at, "
            "capacity, booked, held, overbooked, status, session, seat_offset, "
            "session_places, session_end_at, updated_at) VALUES (1, 1, 1, :d, :t, :t, 5, 2, "
            "0, 0, 'active', '', 0, 5, :t, :t)"), {"d": date(2026, 11, 21), "t": NOW})
        conn.execute(text(
            "INSERT INTO patients (phone, name, email, sms_consent, email_consent, "
            "created_at, updated_at) VALUES (:p, '小红', NULL, true, false, :t, :t)"),
            {"p": PHONE, "t": NOW})
        patient = conn.execute(text("SELECT id FROM patients")).scalar()
        # the old key allowed one active appointment per phone, expert and day
        for appointment_id, code in ((1, "AAAAAAAA"), (2, "BBBBBBBB")):
            conn.execute(text(
                "INSERT INTO appointments (id, code, slot_id, expert_id, department_id, day, "
                "start_at, session_end_at, patient_id, status, seat, queue_number, "
                "overbooked, channel, complaint, booked_by, created_at, updated_at) VALUES "
                "(:a, :c, 1, 1, 1, :d, :t, :t, :p, 'booked', :a, :a, false, 'chat', '', 'li', "
                ":t, :t)"), {"a": appointment_id, "c": code, "t": NOW, "p": patient,
                             "d": date(2026, 11, 20 + appointment_id)})
        for n, (appointment_id, name, email) in enumerate(
                ((1, "小明", "ming@example.cn"), (2, "小红", None))):
            conn.execute(text(
                "INSERT INTO outbox (event_id, event_type, body, created_at) VALUES "
                "(:e, 'booking.appointment.booked', :b, :t)"),
                {"e": f"e{n}", "b": booked_event(appointment_id, name, email), "t": NOW})
    migrate(db, "head")
    with db.engine.connect() as conn:
        owners = dict(conn.execute(text(
            "SELECT a.id, p.name FROM appointments a JOIN patients p ON p.id = a.patient_id"
        )).all())
        ming = conn.execute(text("SELECT phone, email, sms_consent, name_key, mobile FROM "
                                 "patients WHERE name = '小明'")).one()
        outbox = dict(conn.execute(text("SELECT event_id, patient_id FROM outbox")).all())
    db.dispose()
    assert owners == {1: "小明", 2: "小红"}
    assert ming == (PHONE, "ming@example.cn", True, "小明", True)
    assert outbox["e0"] != outbox["e1"], "each event names its own patient"
