"""Complaints (平息抱怨, SPEC §15, issue 33): recorded from a call, a chat or the desk —
what, about which department or expert of the directory, what the patient wants — with
an owner, a due day, a resolution and a closing call; managers see open, overdue and the
time taken by department."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts.schedule import DepartmentUpdated, ExpertUpdated
from services.common.refusals import Invalid, Refused
from services.common.tokens import issue_token
from services.followup.domain.complaints import (
    About,
    Row,
    by_department,
    can_close,
    can_resolve,
    check_new,
    due_day,
    overdue,
)
from services.followup.models import AccessRecord
from tests.support.booking import Staff
from tests.support.followup import Caller, Feed, Person

TODAY = date(2026, 11, 24)
DIRECTORY = {"departments": {2, 4}, "experts": {3: 2, 7: 4}}


def new(**changes):
    fields = {"source": "chat", "what": "候诊两小时没人解释", "wish": "希望得到道歉",
              "about": About(2, 3), **changes}
    check_new(**fields, **DIRECTORY)


# -- the rules, as plain Python -------------------------------------------------------------

@pytest.mark.parametrize("changes,code", [
    ({"source": "email"}, "unknown_source"), ({"what": " "}, "what_required"),
    ({"wish": ""}, "wish_required"), ({"about": About(9)}, "unknown_department"),
    ({"about": About(2, 7)}, "unknown_expert"), ({"about": About(2, 99)}, "unknown_expert"),
])
def test_a_complaint_names_whom_from_the_directory_and_says_what_and_the_wish(
        changes, code) -> None:
    with pytest.raises(Invalid) as refused:
        new(**changes)
    assert refused.value.code == code


def test_a_complaint_about_a_department_alone_is_fine() -> None:
    new(about=About(4))
    new(about=About(4, 7), source="desk")


def test_the_due_day_and_the_order_resolve_then_close() -> None:
    assert due_day(TODAY, None, TODAY) == date(2026, 11, 27)
    assert due_day(TODAY, date(2026, 11, 25), TODAY) == date(2026, 11, 25)
    with pytest.raises(Invalid):
        due_day(TODAY, date(2026, 11, 23), TODAY)
    with pytest.raises(Refused) as early:
        can_close("open", "已回访")
    assert early.value.code == "not_resolved"
    with pytest.raises(Refused):
        can_resolve("resolved", "again")
    with pytest.raises(Invalid):
        can_resolve("open", " ")
    assert overdue("open", TODAY, TODAY + timedelta(days=1))
    assert not overdue("open", TODAY, TODAY), "due today is not late yet"
    assert not overdue("closed", TODAY, TODAY + timedelta(days=9))


def test_by_department_counts_open_overdue_closed_and_the_median_hours() -> None:
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    rows = [Row(2, "closed", TODAY, at, at + timedelta(hours=10)),
            Row(2, "closed", TODAY, at, at + timedelta(hours=30)),
            Row(2, "closed", TODAY, at, at + timedelta(hours=50)),
            Row(2, "open", TODAY - timedelta(days=1), at, None),
            Row(4, "resolved", TODAY, at, None)]
    assert by_department(rows, TODAY) == {
        2: {"open": 1, "overdue": 1, "closed": 3, "median_hours": 30},
        4: {"open": 1, "overdue": 0, "closed": 0, "median_hours": None}}


# -- through the API ------------------------------------------------------------------------

@pytest.fixture
def directory(feed: Feed) -> None:
    feed.deliver(DepartmentUpdated(id=4, code="D4", name="心内科", location="门诊楼 2 楼",
                                   active=True))
    for expert_id, department, name in [(3, 2, "张伟"), (7, 4, "王芳")]:
        feed.deliver(ExpertUpdated(id=expert_id, code=f"E{expert_id}", name=name,
                                   title="主任医师", department_id=department, fee="100.00",
                                   active=True))


def test_a_complaint_from_the_desk_is_owned_resolved_and_closed_by_a_call(
        app, directory, li: Caller, wang: Caller, clock) -> None:
    wang.enquiry("王某", "13500000000", call_consent=False)  # wang works at the desk
    assert [d["name"] for d in li.get("/api/v1/directory").json] == ["消化内科", "心内科"]
    body = {"source": "desk", "patient_name": "赵敏", "phone": "13711112222",
            "what": "挂号处态度不好", "wish": "希望改进", "department_id": 2, "expert_id": 3}
    refused = li.post("/api/v1/complaints", json={**body, "expert_id": 7})
    assert (refused.status_code, refused.json["code"]) == (422, "unknown_expert")
    made = li.post("/api/v1/complaints", json=body)
    assert made.status_code == 201, made.json
    done = made.json
    assert (done["owner"], done["due_on"], done["status"], done["expert"]) == \
        ("li", "2026-11-27", "open", "张伟 主任医师")
    assert done["patient"]["phone"] == "+8613711112222", "the owner reads the phone"
    listed = wang.get("/api/v1/complaints").json
    assert listed[0]["patient"]["phone"] == "137****2222" and "what" not in listed[0], \
        "a list masks the phone and carries no free text"
    assert wang.get(f"/api/v1/complaints/{done['id']}").json["patient"]["phone"] == \
        "137****2222"
    manager = Caller(app, "boss", role="manager")
    moved = manager.post(f"/api/v1/complaints/{done['id']}/owner", json={"owner": "wang"})
    assert moved.json["owner"] == "wang"
    assert li.post(f"/api/v1/complaints/{done['id']}/resolution",
                   json={"resolution": "x"}).json["code"] == "not_owner"
    early = wang.post(f"/api/v1/complaints/{done['id']}/closing-call", json={"note": "已告知"})
    assert (early.status_code, early.json["code"]) == (409, "not_resolved")
    clock.advance(timedelta(hours=20))
    resolved = wang.post(f"/api/v1/complaints/{done['id']}/resolution",
                         json={"resolution": "已与挂号处谈话，并书面致歉"})
    assert resolved.json["status"] == "resolved"
    closed = wang.post(f"/api/v1/complaints/{done['id']}/closing-call",
                       json={"note": "患者接受道歉"})
    assert closed.json["status"] == "closed"
    with app.extensions["clinic"].db.reading() as session:
        actions = [r.action for r in session.query(AccessRecord)]
    assert actions.count("complaint_card") >= 3, "each owner's read of the phone is logged"
    summary = manager.get("/api/v1/complaints/by-department").json
    assert summary == [{"department_id": 2, "department": "消化内科", "open": 0,
                        "overdue": 0, "closed": 1, "median_hours": 20}]
    assert li.get("/api/v1/complaints/by-department").status_code == 403


def test_a_complaint_from_a_call_card_takes_the_tasks_patient_and_can_go_overdue(
        app, directory, feed: Feed, li: Caller, clock) -> None:
    feed.no_show(Person("周芷若", "+8613912340001"))
    [task] = li.tasks()
    body = {"source": "call", "task_id": task["id"], "what": "医生看诊太快",
            "wish": "想换一位专家", "department_id": 2}
    assert li.post("/api/v1/complaints", json=body).json["code"] == "not_claimed"
    li.claim(task["id"])
    made = li.post("/api/v1/complaints", json={**body, "due_on": "2026-11-25"}).json
    assert (made["patient"]["name"], made["due_on"]) == ("周芷若", "2026-11-25")
    clock.advance(timedelta(days=2))
    [late] = li.get("/api/v1/complaints?state=overdue").json
    assert late["overdue"] is True
    manager = Caller(app, "boss", role="manager")
    [row] = manager.get("/api/v1/complaints/by-department").json
    assert (row["open"], row["overdue"], row["closed"]) == (1, 1, 0)
    admin = Caller(app, "root", role="admin")
    export = admin.get(f"/api/v1/patients/{task['patient']['id']}/export").json
    assert [c["what"] for c in export["complaints"]] == ["医生看诊太快"], \
        "the patient's export holds their complaint"
    assert "complaint_card" in [r["action"] for r in export["access_log"]], \
        "the owner's read of their phone is in their access log"
    feed.erased(task["patient"]["id"], [])
    gone = li.get(f"/api/v1/complaints/{made['id']}").json
    assert (gone["what"], gone["wish"], gone["patient"]["phone"]) == ("", "", ""), \
        "erasure keeps the count, nothing personal"


def test_front_desk_is_named_on_its_complaints_but_is_no_colleague(app, directory,
                                                                    li: Caller) -> None:
    """The front desk's display name (from its token) is shown, not its username; it may
    not read the colleague list, nor does it join it (least privilege)."""
    token = issue_token(DEFAULT_JWT_SECRET, "frontdesk", ["frontdesk"], ttl_seconds=600,
                        name="刘敏")
    desk = Staff(app, {"Authorization": f"Bearer {token}"})
    made = desk.post("/api/v1/complaints", json={
        "source": "desk", "patient_name": "赵敏", "phone": "13711112222",
        "what": "挂号处态度不好", "wish": "希望改进", "department_id": 2})
    assert made.status_code == 201, made.json
    assert (made.json["owner_name"], made.json["recorded_by_name"]) == ("刘敏", "刘敏")
    assert desk.get("/api/v1/colleagues").status_code == 403
    assert "frontdesk" not in [c["username"] for c in li.get("/api/v1/colleagues").json]
    manager = Caller(app, "boss", role="manager")
    assert manager.get("/api/v1/colleagues").status_code == 200, "a manager reassigns"
