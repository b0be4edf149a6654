"""Departments and experts through the API: create, list, filter, change, deactivate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.schedule.models import OutboxMessage


def events(app, event_type: str) -> list[dict]:
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type))
        return [json.loads(row.body)["data"] for row in rows]


def test_departments_are_created_listed_and_filtered(admin) -> None:
    cardiology = admin.department("CARD", "心内科")
    admin.department("PEDS", "儿科")
    assert cardiology["active"] is True
    names = [d["name"] for d in admin.get("/api/v1/departments").json]
    assert names == ["心内科", "儿科"]
    assert [d["code"] for d in admin.get("/api/v1/departments?q=儿").json] == ["PEDS"]
    assert admin.get(f"/api/v1/departments/{cardiology['id']}").json["name"] == "心内科"


def test_a_department_code_is_unique(admin) -> None:
    first = admin.department("CARD")
    response = admin.post("/api/v1/departments", json={"code": "CARD", "name": "另一个"})
    assert response.status_code == 409
    assert response.json["existing"] == {"id": first["id"]}


def test_department_is_changed_and_deactivated_with_an_event(app, admin) -> None:
    department = admin.department()
    response = admin.patch(f"/api/v1/departments/{department['id']}",
                           json={"location": "3 楼", "active": False})
    assert response.status_code == 200
    assert response.json["active"] is False and response.json["location"] == "3 楼"
    assert admin.get("/api/v1/departments?active=true").json == []
    assert events(app, "schedule.department.updated")[-1]["active"] is False


def test_experts_are_created_with_chinese_names_and_filtered(admin) -> None:
    cardiology = admin.department("CARD")
    pediatrics = admin.department("PEDS", "儿科")
    wang = admin.expert(cardiology["id"], "C1", "王建国")
    admin.expert(pediatrics["id"], "P1", "陈静")
    assert wang["department_name"] == "心内科" and wang["fee"] == "50.00"
    by_department = admin.get(f"/api/v1/experts?department_id={pediatrics['id']}").json
    assert [e["name"] for e in by_department] == ["陈静"]
    assert [e["code"] for e in admin.get("/api/v1/experts?q=建国").json] == ["C1"]


def test_expert_changes_go_out_as_events(app, admin) -> None:
    department = admin.department()
    other = admin.department("GAST", "消化内科")
    expert = admin.expert(department["id"])
    response = admin.patch(f"/api/v1/experts/{expert['id']}",
                           json={"title": "副主任医师", "fee": "60", "department_id": other["id"]})
    assert response.status_code == 200
    assert response.json["department_name"] == "消化内科"
    latest = events(app, "schedule.expert.updated")[-1]
    assert latest == {**latest, "title": "副主任医师", "fee": "60.00",
                      "department_id": other["id"]}
    deactivated = admin.patch(f"/api/v1/experts/{expert['id']}", json={"active": False})
    assert deactivated.json["active"] is False
    assert admin.get("/api/v1/experts?active=true").json == []


@pytest.mark.parametrize("body, field", [
    ({"code": "X1", "name": "", "department_id": 1}, "name"),
    ({"code": "has space", "name": "王", "department_id": 1}, "code"),
    ({"code": "X1", "name": "王", "department_id": 999}, "department_id"),
    ({"code": "X1", "name": "王", "department_id": 1, "fee": "-5"}, "fee"),
    ({"code": "X1", "name": "王", "department_id": 1, "fee": "abc"}, "fee"),
    ({"code": "X1", "name": "王"}, "department_id"),
])
def test_bad_experts_are_422_naming_the_field(admin, body, field) -> None:
    admin.department()
    response = admin.post("/api/v1/experts", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_duplicate_expert_code_is_409(admin) -> None:
    department = admin.department()
    admin.expert(department["id"], "C1")
    response = admin.post("/api/v1/experts", json={"code": "C1", "name": "李",
                                                   "department_id": department["id"]})
    assert response.status_code == 409


def test_an_expert_without_a_code_gets_the_departments_next(admin) -> None:
    """Issue 16: SPEC §4 lists no expert code; the API required one."""
    department = admin.department("CARD")
    admin.expert(department["id"], "CARD-01")
    made = [admin.post("/api/v1/experts", json={"name": name, "department_id": department["id"]})
            for name in ("李", "张")]
    assert [m.status_code for m in made] == [201, 201], [m.json for m in made]
    assert [m.json["code"] for m in made] == ["CARD-02", "CARD-03"]


def test_expert_codes_fill_the_lowest_free_number() -> None:
    from services.schedule.domain.codes import next_expert_code

    assert next_expert_code("PEDS", set()) == "PEDS-01"
    assert next_expert_code("PEDS", {"PEDS-01", "PEDS-03"}) == "PEDS-02"
    assert next_expert_code("PEDS", {f"PEDS-{n:02d}" for n in range(1, 100)}) == "PEDS-100"


@pytest.mark.parametrize("url", ["/api/v1/departments/999", "/api/v1/experts/999"])
def test_unknown_ids_are_404(admin, url) -> None:
    assert admin.get(url).status_code == 404
    assert admin.patch(url, json={"name": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["consultant", "frontdesk", "manager"])
def test_staff_read_the_directory_but_only_admins_change_it(app, auth_header, admin,
                                                            role) -> None:
    department = admin.department()
    client = app.test_client()
    headers = auth_header(role)
    assert client.get("/api/v1/departments", headers=headers).status_code == 200
    assert client.get("/api/v1/experts", headers=headers).status_code == 200
    assert client.post("/api/v1/departments", json={"code": "N", "name": "n"},
                       headers=headers).status_code == 403
    assert client.patch(f"/api/v1/departments/{department['id']}", json={"name": "n"},
                        headers=headers).status_code == 403
    assert client.get("/api/v1/departments").status_code == 401
