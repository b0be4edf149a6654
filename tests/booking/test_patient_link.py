"""The patient's link: short, one appointment and nothing else, every outcome a page in the
patient's language; cancel asks first, a move takes one of the places offered (SPEC §10)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from services.booking.domain.patient_link import PatientLinks
from services.common.config import DEFAULT_JWT_SECRET
from tests.support.booking import PHONES, SHANGHAI, events_of, tomorrow


def token_of(appointment: dict) -> str:
    return appointment["patient_link"].rsplit("/p/", 1)[1]


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_the_link_is_short_random_and_one_per_appointment(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=2)
    first = consultant.book(slots[0], phone=PHONES[0]).json
    second = consultant.book(slots[0], phone=PHONES[1]).json
    assert len(first["patient_link"]) < 40, first["patient_link"]
    assert re.fullmatch(r"[A-Za-z0-9]{11}", token_of(first))
    assert token_of(first) != token_of(second)
    consultant.post(f"/api/v1/appointments/{first['id']}/reschedule",
                    json={"slot_id": slots[1]})
    told = [e["patient_link"] for e in events_of(app, "booking.appointment.booked")
            + events_of(app, "booking.appointment.rescheduled") if e["appointment_id"]
            == first["id"]]
    assert told == [first["patient_link"]] * 2, "the same link in every message"


def test_the_link_shows_the_appointment_without_contact_details(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, name="张三").json
    client = app.test_client()
    response = client.get(f"/api/v1/patient-link/{token_of(booked)}")
    assert response.status_code == 200
    view = response.json
    assert view["code"] == booked["code"] and view["patient_name"] == "张*"
    assert view["can_cancel"] is True and view["expert"] == "王建国"
    assert view["language"] == "zh-CN" and view["hospital"]["directions"] == "地铁 2 号线"
    assert "138" not in page_text(response) and "胸闷" not in page_text(response)
    page = client.get(f"/p/{token_of(booked)}")
    assert page.status_code == 200 and booked["code"] in page_text(page)
    assert "取消预约" in page_text(page) and "地铁 2 号线" in page_text(page)


def test_cancelling_asks_first_and_a_reload_sends_nothing_again(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    booked = consultant.book(slot_id).json
    client, token = app.test_client(), token_of(booked)
    confirm = client.get(f"/p/{token}/cancel")
    assert confirm.status_code == 200 and "确定取消这次预约吗？" in page_text(confirm)
    assert inv.counts(slot_id) == (1, 0, 0), "asking changes nothing"
    done = client.post(f"/p/{token}/cancel", data={"lang": "zh-CN"})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/p/{token}?lang=zh-CN&done=cancelled")
    shown = client.get(done.headers["Location"])
    assert "您的预约已取消。" in page_text(shown) and "已取消" in page_text(shown)
    assert inv.counts(slot_id) == (0, 0, 0)
    again = client.post(f"/p/{token}/cancel")
    assert again.status_code == 303 and "error=wrong_status" in again.headers["Location"]
    assert "这次预约已不能在线更改。" in page_text(client.get(again.headers["Location"]))
    assert len(events_of(app, "booking.appointment.cancelled")) == 1
    api = client.post(f"/api/v1/patient-link/{token}/cancel")
    assert api.status_code == 409 and api.json["code"] == "wrong_status"


def test_a_wrong_forged_or_expired_link_is_a_page_not_json(app, inv, consultant,
                                                           clock) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    mine = consultant.book(slot_id, phone=PHONES[0]).json
    theirs = consultant.book(slot_id, phone=PHONES[1]).json
    client = app.test_client()
    for bad in ("AAAAAAAAAAA", "not-a-token", "x" * 5000, token_of(mine)[:-1]):
        page = client.get(f"/p/{bad}")
        assert page.status_code == 404 and page.mimetype == "text/html", bad
        assert "这个链接无效或已过期" in page_text(page)
        assert client.post(f"/p/{bad}/cancel").status_code == 404
        assert client.get(f"/api/v1/patient-link/{bad}").status_code == 404
    assert "This link is not valid" in page_text(client.get("/p/AAAAAAAAAAA?lang=en"))
    forged = PatientLinks("another-secret-000000000000000000", "").sign(
        theirs["id"], theirs["code"], datetime.now(UTC) + timedelta(days=1))
    wrong_code = PatientLinks(DEFAULT_JWT_SECRET, "").sign(
        theirs["id"], mine["code"], datetime.now(UTC) + timedelta(days=1))
    for bad in (forged, wrong_code):
        assert client.get(f"/api/v1/patient-link/{bad}").status_code == 404
        assert client.post(f"/api/v1/patient-link/{bad}/cancel").status_code == 404
    assert client.get("/api/v1/appointments/1",
                      headers={"Authorization": f"Bearer {token_of(mine)}"}).status_code == 401
    clock.advance(timedelta(days=3))  # a day after the visit, the link is dead
    assert client.get(f"/p/{token_of(mine)}").status_code == 404


def test_a_moved_visits_link_lives_until_a_day_after_the_new_visit(app, inv, consultant,
                                                                   clock) -> None:
    first_day = inv.session(tomorrow(), time(8), count=1)[0]
    later = inv.session(tomorrow() + timedelta(days=4), time(8), count=1)[0]
    booked = consultant.book(first_day).json
    moved = consultant.post(f"/api/v1/appointments/{booked['id']}/reschedule",
                            json={"slot_id": later})
    assert moved.status_code == 200, moved.json
    clock.advance(timedelta(days=3))  # past a day after the first visit, before the new one
    assert app.test_client().get(f"/p/{token_of(booked)}").status_code == 200
    clock.advance(timedelta(days=5))  # over a day after the new visit
    assert app.test_client().get(f"/p/{token_of(booked)}").status_code == 404


def test_a_link_an_earlier_version_sent_still_works(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id).json
    links = PatientLinks(DEFAULT_JWT_SECRET, "")
    signed = links.sign(booked["id"], booked["code"], datetime.now(UTC) + timedelta(days=2))
    assert app.test_client().get(f"/api/v1/patient-link/{signed}").json["code"] == booked["code"]
    old = links.sign(booked["id"], booked["code"], datetime.now(UTC) - timedelta(days=2))
    assert app.test_client().get(f"/api/v1/patient-link/{old}").status_code == 404


def test_after_the_cut_off_the_link_says_to_call(app, inv, frontdesk, clock) -> None:
    start = datetime.combine(tomorrow(), time(10), tzinfo=SHANGHAI)
    clock.set(start - timedelta(minutes=70))
    slot_id = inv.session(start.date(), start.time(), count=1)[0]
    walked = frontdesk.post("/api/v1/walk-ins", json={
        "slot_id": slot_id, "patient": {"name": "赵", "phone": PHONES[0]}}).json
    frontdesk.post(f"/api/v1/appointments/{walked['id']}/undo-check-in", json={"reason": "测"})
    client, token = app.test_client(), token_of(walked)
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert view["can_cancel"] is False and view["alternatives"] == []
    refused = client.post(f"/api/v1/patient-link/{token}/cancel")
    assert refused.status_code == 409 and refused.json["code"] == "too_late"
    asked = client.get(f"/p/{token}/cancel")
    assert asked.status_code == 303 and "error=too_late" in asked.headers["Location"]
    assert "如需更改请致电医院" in page_text(client.get(asked.headers["Location"]))


def test_a_phone_from_abroad_reads_english(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, phone="+44 7911 123456", name="Emma").json
    client, token = app.test_client(), token_of(booked)
    assert client.get(f"/api/v1/patient-link/{token}").json["language"] == "en"
    page = page_text(client.get(f"/p/{token}"))
    assert "Cancel the appointment" in page and "取消预约" not in page
    assert "取消预约" in page_text(client.get(f"/p/{token}?lang=zh-CN"))


def test_the_patient_moves_to_an_offered_place(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=3, capacity=2)
    booked = consultant.book(slots[0]).json
    client, token = app.test_client(), token_of(booked)
    offered = [p["slot_id"] for p in client.get(f"/api/v1/patient-link/{token}")
               .json["alternatives"]]
    assert offered == slots[1:]
    refused = client.post(f"/api/v1/patient-link/{token}/reschedule",
                          json={"slot_id": 2**31 - 1})
    assert refused.status_code == 422 and refused.json["code"] == "not_offered"
    moved = client.post(f"/p/{token}/reschedule", data={"slot_id": str(slots[2])})
    assert moved.status_code == 303 and "done=rescheduled" in moved.headers["Location"]
    assert "已为您改约" in page_text(client.get(moved.headers["Location"]))
    assert (inv.counts(slots[0]), inv.counts(slots[2])) == ((0, 0, 0), (1, 0, 0))
    told = events_of(app, "booking.appointment.rescheduled")
    assert [(e["slot"]["slot_id"], e["previous"]["slot"]["slot_id"]) for e in told] == [
        (slots[2], slots[0])]
    bad = client.post(f"/p/{token}/reschedule", data={"slot_id": "'; drop"})
    assert bad.status_code == 303 and "error=not_offered" in bad.headers["Location"]


def test_after_a_hospital_cancellation_the_patient_books_an_offered_place(
        app, inv, consultant) -> None:
    stopped = inv.session(tomorrow(), time(8), count=1, capacity=1)
    others = inv.session(tomorrow() + timedelta(days=1), time(8), count=2, capacity=1)
    booked = consultant.book(stopped[0]).json
    inv.cancel(stopped, reason="学术会议")
    client, token = app.test_client(), token_of(booked)
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert view["status"] == "cancelled" and view["cancelled_by_hospital"] is True
    assert view["cancel_reason"] == "expert_unavailable" and view["cancel_note"] == "学术会议"
    page = page_text(client.get(f"/p/{token}"))
    assert "停诊" in page and "专家停诊" in page and "学术会议" in page
    assert [p["slot_id"] for p in view["alternatives"]] == others
    moved = client.post(f"/api/v1/patient-link/{token}/reschedule", json={"slot_id": others[0]})
    assert moved.status_code == 200, moved.json
    assert moved.json["status"] == "booked" and moved.json["cancelled_by_hospital"] is False
    assert inv.counts(others[0]) == (1, 0, 0) and inv.counts(stopped[0]) == (0, 0, 0)
    again = client.post(f"/api/v1/patient-link/{token}/reschedule", json={"slot_id": others[1]})
    assert again.status_code == 200 and inv.counts(others[0]) == (0, 0, 0), \
        "booked again, it moves like any booked visit"


def test_an_erased_patients_link_opens_nothing(app, inv, consultant, staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id).json
    staff("admin").post(f"/api/v1/patients/{booked['patient']['id']}/erase",
                        json={"reason": "本人要求"})
    assert app.test_client().get(f"/p/{token_of(booked)}").status_code == 404
