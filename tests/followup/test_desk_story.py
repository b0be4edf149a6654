"""One enquiry through the desk at the source practice's depth (issue 33's closing walk):
a dropped call and its redial, a hand-over to a colleague, a booking repeated back; and
a second person who declines for the price, told the fee and the 医保 answer. The funnel
shows each."""

from __future__ import annotations

from datetime import timedelta

from services.common.contracts.booking import AppointmentBooked
from services.followup.ops.appointments import made
from services.followup.worker import open_due_enquiry_tasks
from tests.support.followup import Caller, Feed, Person


def test_one_enquiry_through_a_drop_a_hand_over_and_a_booking(app, feed: Feed, li: Caller,
                                                                wang: Caller, clock) -> None:
    admin, manager = Caller(app, "root", role="admin"), Caller(app, "boss", role="manager")
    admin.post("/api/v1/answers", json={"topic": "insurance", "question": "能用医保吗？",
                                        "answer": "门诊可用医保卡。"})
    wang.enquiry("王某", "13500000000", call_consent=False)  # wang works at the desk too
    li.enquiry("陈晓", "13811112222", channel="wechat", department_id=2)
    li.enquiry("刘备", "13822223333", channel="chat", department_id=2)
    clock.advance(timedelta(hours=25))
    open_due_enquiry_tasks(app.extensions["clinic"])
    tasks = {t["patient"]["name"]: t["id"] for t in li.tasks()}

    chen = tasks["陈晓"]
    li.claim(chen)
    li.post(f"/api/v1/tasks/{chen}/dial")
    clock.advance(timedelta(seconds=40))
    assert li.call(chen, "dropped").json["redial_pending"] is True
    li.post(f"/api/v1/tasks/{chen}/dial")
    clock.advance(timedelta(seconds=100))
    handed = li.post(f"/api/v1/tasks/{chen}/hand-over",
                     json={"to": "wang", "note": "患者想找王老师，她上次接待过"})
    assert handed.json["claimed_by"] == "wang"
    wang.post(f"/api/v1/tasks/{chen}/dial")
    clock.advance(timedelta(seconds=180))
    rt = app.extensions["clinic"]
    with rt.db.transaction() as session:  # booking made it; its event is on the way
        made(session, feed.appointment(AppointmentBooked, Person("陈晓", "+8613811112222"),
                                       code="CHEN2026"), rt.now())
    booked = wang.call(chen, "booked", appointment_code="CHEN2026")
    assert booked.status_code == 201, booked.json
    card = wang.get(f"/api/v1/tasks/{chen}").json
    assert card["status"] == "booked" and card["attempts"] == 0, "the drop was answered"
    assert [r["value"] for r in card["etiquette"]["repeat_back"]][-1] == "CHEN2026"

    liu = tasks["刘备"]
    li.claim(liu)
    answers = li.get(f"/api/v1/tasks/{liu}").json["objection_answers"]["price"]
    assert [a["fact"] for a in answers] == ["insurance"], "no visit yet: 医保 only"
    li.call(liu, "declined", objection="price", note="觉得太贵")

    rows = {r["group"]: r for r in manager.get("/api/v1/funnel?by=consultant").json["rows"]}
    assert rows["li"]["calls"]["dropped"] == 1 and rows["li"]["objections"] == {"price": 1}
    assert rows["li"]["calls_made"] == 2 and rows["li"]["timed_calls"] == 1
    assert rows["li"]["median_seconds"] == 40
    channel = {r["group"]: r for r in manager.get("/api/v1/funnel?by=channel").json["rows"]}
    assert channel["chat"]["objections"] == {"price": 1}
    wang_row = rows["wang"]
    assert (wang_row["calls"]["booked"], wang_row["median_seconds"]) == (1, 180)
