"""Schedule test helpers: an admin client and small builders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: scrypt's cost for the staff passwords schedule hashes in the tests, in-process and in
#: test clinics (production refuses under 32768, so a production-mode test keeps that): at
#: production's, 190 hashes and checks were an eighth of the fast tests' CPU.
CHEAP_HASH_COST = 2**10


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def next_weekday(iso_weekday: int, after: date | None = None) -> date:
    """The first date after ``after`` (default today) falling on ``iso_weekday``."""
    day = (after or local_today()) + timedelta(days=1)
    while day.isoweekday() != iso_weekday:
        day += timedelta(days=1)
    return day


class Admin:
    """A test client that signs every call as an admin (or another role)."""

    def __init__(self, app: Flask, header: dict[str, str]) -> None:
        self.app = app
        self.client = app.test_client()
        self.header = header

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.client, method)
        return lambda url, **kw: call(url, headers={**self.header, **kw.pop("headers", {})}, **kw)

    def department(self, code: str = "CARD", name: str = "心内科") -> dict[str, Any]:
        response = self.post("/api/v1/departments", json={"code": code, "name": name})
        assert response.status_code == 201, response.json
        return response.json

    def expert(self, department_id: int, code: str = "E1", name: str = "王医生") -> dict[str, Any]:
        response = self.post("/api/v1/experts", json={
            "code": code, "name": name, "title": "主任医师", "department_id": department_id,
            "fee": "50.00"})
        assert response.status_code == 201, response.json
        return response.json

    def template(self, expert_id: int, **values: Any) -> Any:
        body = {"weekday": 1, "start": "08:00", "end": "11:30", "slot_minutes": 30,
                "capacity_per_slot": 5, "valid_from": local_today().isoformat(), **values}
        return self.post(f"/api/v1/experts/{expert_id}/templates", json=body)

    def slots(self, expert_id: int, day: date | str) -> list[dict[str, Any]]:
        response = self.get(f"/api/v1/slots?expert_id={expert_id}&date={day}")
        assert response.status_code == 200, response.json
        return response.json
