"""The patient's link: short, one appointment and nothing else, every outcome a page in the
patient's language; cancel asks first, a move takes one of the places offered (SPEC §10)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

from services.booking.api.patient_link import CANCELLED_BY_LINK
from services.booking.api.patient_pages import day_words
from services.booking.domain.patient_link import PatientLinks
from services.common.auth import SESSION_COOKIE
from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from tests.support.booking import PHONES, SHANGHAI, events_of, tomorrow


def token_of(appointment: dict) -> str:
    return appointment["patient_link"].rsplit("/p/", 1)[1]


def page_text(response) -> str:
    return response.get_data(as_text=True)


def words(response) -> str:
    """The page's text as read: tags out, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", page_text(response)))


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
    moved = client.post(f"/p/{token}/reschedule", data={"slot_id": str(slots[2]),
                                                        "confirmed": "1"})
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


# Moving through the link (issue 27, items 3 and 11c): it asks first, naming the day
# (今天/明天 and the weekday) and the time, and offers only places the patient could still
# cancel online once there.

def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def test_days_read_as_today_tomorrow_and_the_weekday() -> None:
    today = date(2031, 12, 30)  # a Tuesday
    assert day_words(today, today, "zh-CN") == "今天 12月30日 周二"
    assert day_words(date(2031, 12, 31), today, "zh-CN") == "明天 12月31日 周三"
    assert day_words(date(2032, 1, 1), today, "zh-CN") == "2032年1月1日 周四"
    assert day_words(date(2032, 1, 4), today, "zh-CN") == "2032年1月4日 周日"
    assert day_words(today, today, "en") == "Today, Tue 30 Dec"
    assert day_words(date(2031, 12, 31), today, "en") == "Tomorrow, Wed 31 Dec"
    assert day_words(date(2032, 1, 2), today, "en") == "Fri 2 Jan 2032"


def test_moving_asks_first_naming_the_day_and_time(app, inv, consultant, clock) -> None:
    day = tomorrow()
    clock.set(at(day - timedelta(days=1), 15))
    slots = inv.session(day, time(8), count=3, capacity=2)
    booked = consultant.book(slots[0]).json
    client, token = app.test_client(), token_of(booked)
    weekday = "周" + "一二三四五六日"[day.weekday()]
    tomorrow_words = f"明天 {day.month}月{day.day}日 {weekday}"
    shown = client.get(f"/p/{token}")
    page = words(shown)
    assert f"{tomorrow_words} 08:00–08:30" in page, "the visit itself says 明天 and the day"
    assert f"{tomorrow_words} 08:30 · 王建国" in page and f"{tomorrow_words} 09:00" in page
    assert f'action="/p/{token}/reschedule"' not in page_text(shown), "no form moves at a tap"
    asking = f"/p/{token}/reschedule?slot_id={slots[2]}&amp;lang=zh-CN"
    assert asking in page_text(shown), "a place is a link to the question"

    asked = client.get(asking.replace("&amp;", "&"))
    assert asked.status_code == 200 and asked.mimetype == "text/html"
    question = words(asked)
    assert "确定改约到这个时间吗？" in question and f"{tomorrow_words} 09:00" in question
    assert "确认改约" in question and "不改约，返回" in question
    assert f"{tomorrow_words} 07:00" in question, "until when the new place may be cancelled"
    assert (inv.counts(slots[0]), inv.counts(slots[2])) == ((1, 0, 0), (0, 0, 0)), \
        "asking moves nothing"
    assert events_of(app, "booking.appointment.rescheduled") == []

    one_tap = client.post(f"/p/{token}/reschedule", data={"slot_id": str(slots[2]),
                                                          "lang": "zh-CN"})
    assert one_tap.status_code == 303
    assert one_tap.headers["Location"].endswith(
        f"/p/{token}/reschedule?slot_id={slots[2]}&lang=zh-CN"), "a form without it is asked"
    assert inv.counts(slots[0]) == (1, 0, 0)

    english = words(client.get(f"/p/{token}/reschedule?slot_id={slots[2]}&lang=en"))
    assert "Move your appointment to this time?" in english and "确认" not in english
    assert f"Tomorrow, {day:%a} {day.day} {day:%b} 09:00" in english

    moved = client.post(f"/p/{token}/reschedule", data={
        "slot_id": str(slots[2]), "lang": "zh-CN", "confirmed": "1"})
    assert moved.status_code == 303 and "done=rescheduled" in moved.headers["Location"]
    after = words(client.get(moved.headers["Location"]))
    assert "已为您改约" in after and f"{tomorrow_words} 09:00–09:30" in after
    assert (inv.counts(slots[0]), inv.counts(slots[2])) == ((0, 0, 0), (1, 0, 0))

    gone = client.get(f"/p/{token}/reschedule?slot_id=99999999")
    assert gone.status_code == 303 and "error=not_offered" in gone.headers["Location"]


def test_only_places_still_cancellable_online_are_offered(app, inv, consultant,
                                                          clock) -> None:
    """The report: at 08:00 a place at 08:45 was offered, and once there the page said it
    was too late to cancel online. With the patient's cut-off of 2 hours, only places
    starting after 10:00 are offered, and the API refuses the others."""
    day = tomorrow()
    clock.set(at(day, 8))
    soon = inv.session(day, time(8, 45), count=8, capacity=2, minutes=10)  # 08:45…09:55
    edge = inv.session(day, time(10), count=1, capacity=2, minutes=10)[0]
    later = inv.session(day, time(10, 10), count=6, capacity=2, minutes=10)
    visit = inv.session(day, time(12), count=1, capacity=2)[0]
    booked = consultant.book(visit).json
    client, token = app.test_client(), token_of(booked)
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert view["can_cancel"] is True
    offered = [p["slot_id"] for p in view["alternatives"]]
    assert offered == later[:4], "four places, all after 10:00, none crowded out"
    assert "今天" in page_text(client.get(f"/p/{token}"))

    for slot in (soon[0], soon[-1], edge):
        refused = client.post(f"/api/v1/patient-link/{token}/reschedule",
                              json={"slot_id": slot})
        assert refused.status_code == 422 and refused.json["code"] == "too_soon", slot
    page = client.post(f"/p/{token}/reschedule", data={
        "slot_id": str(soon[0]), "lang": "zh-CN", "confirmed": "1"})
    assert page.status_code == 303 and "error=too_soon" in page.headers["Location"]
    shown = client.get(page.headers["Location"])
    assert shown.mimetype == "text/html"
    assert "这个时间离现在太近，改约后将不能在线取消" in page_text(shown)
    english = client.get(page.headers["Location"].replace("lang=zh-CN", "lang=en"))
    assert "once moved there, you could no longer cancel online" in page_text(english)
    asked = client.get(f"/p/{token}/reschedule?slot_id={soon[0]}")
    assert asked.status_code == 303 and "error=not_offered" in asked.headers["Location"]
    assert inv.counts(visit) == (1, 0, 0) and inv.counts(soon[0]) == (0, 0, 0)
    assert events_of(app, "booking.appointment.rescheduled") == []

    moved = client.post(f"/api/v1/patient-link/{token}/reschedule",
                        json={"slot_id": later[0]})
    assert moved.status_code == 200 and moved.json["can_cancel"] is True, \
        "where the patient moved, they may still cancel online"


def test_after_a_hospital_cancellation_booking_again_asks_first(app, inv, consultant,
                                                                clock) -> None:
    day = tomorrow()
    clock.set(at(day, 8))
    stopped = inv.session(day, time(9), count=1, capacity=1)
    soon = inv.session(day, time(9, 30), count=1, capacity=1, expert_id=2,
                       expert_name="李敏")[0]
    next_day = day + timedelta(days=1)
    others = inv.session(next_day, time(8), count=2, capacity=1)
    booked = consultant.book(stopped[0]).json
    inv.cancel(stopped, reason="学术会议")
    client, token = app.test_client(), token_of(booked)
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert view["cancelled_by_hospital"] is True
    assert [p["slot_id"] for p in view["alternatives"]] == others, "09:30 is too soon"
    weekday = "周" + "一二三四五六日"[next_day.weekday()]
    page = page_text(client.get(f"/p/{token}"))
    assert "停诊" in page and "学术会议" in page and "今天" in page
    asked = words(client.get(f"/p/{token}/reschedule?slot_id={others[0]}"))
    assert "确定预约这个时间吗？" in asked and "已停诊的时间" in asked
    assert f"{next_day.month}月{next_day.day}日 {weekday} 08:00" in asked
    assert inv.counts(others[0]) == (0, 0, 0), "asking books nothing"
    refused = client.post(f"/api/v1/patient-link/{token}/reschedule", json={"slot_id": soon})
    assert refused.status_code == 422 and refused.json["code"] == "too_soon"
    done = client.post(f"/p/{token}/reschedule", data={"slot_id": str(others[0]),
                                                       "confirmed": "1"})
    assert done.status_code == 303 and "done=rescheduled" in done.headers["Location"]
    assert inv.counts(others[0]) == (1, 0, 0)
    assert client.get(f"/api/v1/patient-link/{token}").json["status"] == "booked"


def test_the_console_shows_a_cancellation_through_the_link_in_its_language(
        app, inv, consultant) -> None:
    """Issue 27, item 4: the note is stored as written and shown in the page's language."""
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id).json
    assert app.test_client().post(f"/p/{token_of(booked)}/cancel").status_code == 303
    opened = consultant.get(f"/api/v1/appointments/{booked['id']}").json
    assert opened["cancel_reason"] == "patient" and opened["cancel_note"] == CANCELLED_BY_LINK
    desk = app.test_client()
    desk.set_cookie(SESSION_COOKIE, issue_token(DEFAULT_JWT_SECRET, "consultant",
                                                ["consultant"], ttl_seconds=600))

    def notes(query: str = "") -> dict[str, str]:
        page = page_text(desk.get(f"/console{query}"))
        found = re.search(r"id=\"opened-facts\" data-notes='([^']*)'", page)
        assert found, "the panel's facts carry the notes' words"
        return json.loads(unescape(found.group(1)))

    assert notes()[opened["cancel_note"]] == "患者通过短信链接取消"
    assert notes("?lang=en")[opened["cancel_note"]] == "Cancelled by the patient through their link"


def test_an_old_link_after_the_desk_rebooked_names_the_new_visit_and_offers_nothing(
        app, inv, consultant, clock) -> None:
    """The reviewer's case: the hospital cancelled, the desk then booked the patient again
    (another code, its own SMS); the old link still offered places and a tap said only
    您当天已预约了这位医生。 Now it names the new visit and offers none."""
    day = tomorrow()
    clock.set(at(day, 7))
    stopped = inv.session(day, time(9), count=1, capacity=1)
    others = inv.session(day + timedelta(days=1), time(8), count=3, capacity=2)
    old = consultant.book(stopped[0]).json
    inv.cancel(stopped, reason="学术会议")
    client, token = app.test_client(), token_of(old)
    assert client.get(f"/api/v1/patient-link/{token}").json["alternatives"], \
        "before the desk rebooks, the old link offers places"
    clock.advance(timedelta(minutes=5))
    new = consultant.book(others[1]).json
    assert new["code"] != old["code"]
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert view["alternatives"] == [], "no place offered once the patient is booked again"
    page = words(client.get(f"/p/{token}"))
    assert "您已有新的预约" in page
    next_day = day + timedelta(days=1)
    assert f"{next_day.month}月{next_day.day}日 周{'一二三四五六日'[next_day.weekday()]}" \
           f" 08:30–09:00" in page
    assert "王建国" in page and "新的预约另有短信通知" in page
    assert "改约到：" not in page
    assert "/reschedule?slot_id=" not in page_text(client.get(f"/p/{token}"))
    asked = client.get(f"/p/{token}/reschedule?slot_id={others[0]}")
    assert asked.status_code == 303 and "error=replaced" in asked.headers["Location"]
    taken = client.post(f"/p/{token}/reschedule", data={"slot_id": str(others[0]),
                                                        "confirmed": "1"})
    assert taken.status_code == 303 and "error=replaced" in taken.headers["Location"]
    told = words(client.get(taken.headers["Location"]))
    assert "您已有新的预约，这个旧链接不能再预约。" in told
    assert "您当天已预约了这位医生" not in told
    refused = client.post(f"/api/v1/patient-link/{token}/reschedule", json={"slot_id": others[0]})
    assert refused.status_code == 422 and refused.json["code"] == "not_offered"
    assert inv.counts(others[0]) == (0, 0, 0) and inv.counts(others[1]) == (1, 0, 0)
    english = words(client.get(f"/p/{token}?lang=en"))
    assert "You already have a new appointment" in english and "您已有" not in english
    # the new visit cancelled too: the old link offers places again
    consultant.post(f"/api/v1/appointments/{new['id']}/cancel", json={"reason": "patient"})
    assert client.get(f"/api/v1/patient-link/{token}").json["alternatives"]


def test_a_booking_made_before_the_cancellation_is_not_a_replacement(
        app, inv, consultant, clock) -> None:
    day = tomorrow()
    clock.set(at(day, 7))
    stopped = inv.session(day, time(9), count=1, capacity=1)
    elsewhere = inv.session(day + timedelta(days=2), time(8), count=1, capacity=2,
                            expert_id=2, expert_name="李敏")
    old = consultant.book(stopped[0]).json
    consultant.book(elsewhere[0])  # booked first, another visit of the same patient
    clock.advance(timedelta(minutes=5))
    inv.cancel(stopped, reason="学术会议")
    view = app.test_client().get(f"/api/v1/patient-link/{token_of(old)}").json
    assert view["alternatives"], "a visit booked before the cancellation replaced nothing"
    assert "您已有新的预约" not in words(app.test_client().get(f"/p/{token_of(old)}"))


def test_a_single_hospital_cancellation_is_headed_by_what_happened_not_leave(
        app, inv, consultant, clock) -> None:
    """A desk cancellation for 医院原因 was headed 停诊 / 医院停诊, as if the expert were away;
    and booking again after it said 改约后仍可…在线取消 (it is a new booking, not a move)."""
    day = tomorrow()
    clock.set(at(day, 7))
    slot = inv.session(day, time(9), count=1, capacity=1)
    others = inv.session(day + timedelta(days=1), time(8), count=1, capacity=1)
    booked = consultant.book(slot[0]).json
    cancelled = consultant.post(f"/api/v1/appointments/{booked['id']}/cancel",
                                json={"reason": "hospital", "note": "设备检修"})
    assert cancelled.status_code == 200, cancelled.json
    client, token = app.test_client(), token_of(booked)
    page = words(client.get(f"/p/{token}"))
    assert "医院取消了这次预约" in page and "原因：设备检修" in page
    assert "停诊" not in page, page
    asked = words(client.get(f"/p/{token}/reschedule?slot_id={others[0]}"))
    assert "确定预约这个时间吗？" in asked and "已取消的时间" in asked
    assert "预约后，在此时间前仍可在线取消：" in asked
    assert "改约后" not in asked and "停诊" not in asked
    english = words(client.get(f"/p/{token}?lang=en"))
    assert "The hospital cancelled this appointment" in english and "Reason: 设备检修" in english


def test_the_patient_pages_own_texts_have_their_english() -> None:
    from services.booking.api.patient_pages import HEADINGS, REFUSALS, TEXTS, translator
    english = translator("en")
    for text in [*HEADINGS.values(), *REFUSALS.values(), *TEXTS.values()]:
        assert english(text) != text, text
