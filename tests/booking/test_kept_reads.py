"""Booking keeps the hospital's facts and each token's standing for seconds (issue 17);
a change that reaches booking is used by the very next request of this process."""

from __future__ import annotations

from datetime import time

from services.common.contracts.schedule import HospitalUpdated, StaffChanged
from tests.support.booking import HOSPITAL, PHONES, tomorrow


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


def test_the_confirmation_text_has_the_new_directions_at_once_though_another_process_changed_them(
        inv, consultant) -> None:
    """Issue 27 item 11b: after ``PUT /hospital`` the console's confirmation kept the old
    directions for about 5 s while the SMS had the new ones. The worker's handler commits
    the change in another process, whose commit this process's kept copy never hears of;
    here the kept copy is put back as it was, as it would be in the web process."""
    from services.common.hospital_copy import KEPT

    slots = inv.session(tomorrow(), time(8), count=1, capacity=5)
    first = consultant.book(slots[0], phone=PHONES[0], name="甲")
    assert first.status_code == 201 and "交通：地铁 2 号线" in first.json["confirmation_text"]
    as_kept = dict(KEPT._values)
    inv.apply(HospitalUpdated(**{**HOSPITAL.to_data(), "directions": "地铁 10 号线 3 号口"}))
    KEPT._values.update(as_kept)  # the web process did not see the worker's commit
    second = consultant.book(slots[0], phone=PHONES[1], name="乙")
    assert second.status_code == 201, second.json
    assert "交通：地铁 10 号线 3 号口" in second.json["confirmation_text"], \
        "what the SMS says, at once"
    assert "地铁 2 号线" not in second.json["confirmation_text"]
