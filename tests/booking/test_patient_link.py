"""The patient's link shows one appointment and cancels it; nothing else, no one else's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from services.booking import patient_link
from services.common.config import DEFAULT_JWT_SECRET
from tests.booking.conftest import PHONES, local_now, tomorrow


def token_of(appointment: dict) -> str:
    return appointment["patient_link"].rsplit("/p/", 1)[1]


def test_the_link_shows_the_appointment_without_contact_details(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, name="张三").json
    client = app.test_client()
    response = client.get(f"/api/v1/patient-link/{token_of(booked)}")
    assert response.status_code == 200
    view = response.json
    assert view["code"] == booked["code"] and view["patient_name"] == "张*"
    assert view["can_cancel"] is True and view["expert"] == "王建国"
    text = response.get_data(as_text=True)
    assert "138" not in text and "complaint" not in text and "胸闷" not in text
    page = client.get(f"/p/{token_of(booked)}")
    assert page.status_code == 200 and booked["code"] in page.get_data(as_text=True)
    assert "取消预约" in page.get_data(as_text=True)


def test_the_patient_cancels_through_the_link(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    booked = consultant.book(slot_id).json
    page = app.test_client().post(f"/p/{token_of(booked)}")
    assert page.status_code == 200 and "已取消" in page.get_data(as_text=True)
    assert inv.counts(slot_id) == (0, 0, 0)
    again = app.test_client().post(f"/api/v1/patient-link/{token_of(booked)}/cancel")
    assert again.status_code == 409


def test_a_tampered_or_foreign_link_opens_nothing(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    mine = consultant.book(slot_id, phone=PHONES[0]).json
    theirs = consultant.book(slot_id, phone=PHONES[1]).json
    client = app.test_client()
    token = token_of(mine)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/api/v1/patient-link/{tampered}").status_code == 404
    forged = patient_link.sign("another-secret-000000000000000000", theirs["id"], theirs["code"],
                               datetime.now(UTC) + timedelta(days=1))
    assert client.get(f"/api/v1/patient-link/{forged}").status_code == 404
    wrong_code = patient_link.sign(DEFAULT_JWT_SECRET, theirs["id"], mine["code"],
                                   datetime.now(UTC) + timedelta(days=1))
    assert client.get(f"/api/v1/patient-link/{wrong_code}").status_code == 404
    assert client.post(f"/api/v1/patient-link/{wrong_code}/cancel").status_code == 404
    assert client.get("/api/v1/appointments/1",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_expired_link_opens_nothing(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id).json
    old = patient_link.sign(DEFAULT_JWT_SECRET, booked["id"], booked["code"],
                            datetime.now(UTC) - timedelta(days=2))
    assert app.test_client().get(f"/api/v1/patient-link/{old}").status_code == 404


def test_the_link_cannot_cancel_after_the_patients_cut_off(app, inv, frontdesk) -> None:
    now = local_now()
    if now.hour >= 22:
        return  # no slot later today fits before midnight; covered the rest of the day
    start = (now + timedelta(minutes=70)).replace(second=0, microsecond=0)
    slot_id = inv.session(start.date(), start.time(), count=1)[0]
    walked = frontdesk.post("/api/v1/walk-ins", json={
        "slot_id": slot_id, "patient": {"name": "赵", "phone": PHONES[0]}}).json
    frontdesk.post(f"/api/v1/appointments/{walked['id']}/undo-check-in", json={"reason": "测"})
    view = app.test_client().get(f"/api/v1/patient-link/{token_of(walked)}").json
    assert view["can_cancel"] is False
    refused = app.test_client().post(f"/api/v1/patient-link/{token_of(walked)}/cancel")
    assert refused.status_code == 409 and refused.json["code"] == "too_late"
