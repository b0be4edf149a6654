"""Booking keeps the hospital's facts and each token's standing for seconds (issue 17);
a change that reaches booking is used by the very next request of this process."""

from __future__ import annotations

from services.common.contracts.schedule import HospitalUpdated, StaffChanged
from tests.support.booking import tomorrow


def zone(consultant) -> str:
    return consultant.get("/api/v1/availability", query_string={
        "department_id": 1, "date": str(tomorrow())}).json["time_zone"]


def test_a_new_time_zone_is_used_by_the_next_request(inv, consultant) -> None:
    inv.apply(HospitalUpdated(name="仁和医院", address="", directions="", phone="",
                              time_zone="Asia/Shanghai", language="zh-CN"))
    assert zone(consultant) == "Asia/Shanghai"
    inv.apply(HospitalUpdated(name="仁和医院", address="", directions="", phone="",
                              time_zone="Asia/Urumqi", language="zh-CN"))
    assert zone(consultant) == "Asia/Urumqi"


def test_a_deactivation_ends_the_token_at_the_next_request(inv, staff) -> None:
    consultant = staff("consultant", "li")
    assert consultant.get("/api/v1/departments").status_code == 200
    inv.apply(StaffChanged(username="li", token_version=0, active=False))
    assert consultant.get("/api/v1/departments").status_code == 401
