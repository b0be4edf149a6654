"""One visit through a satisfaction call-back (issue 33 item 6), end to end through the
real code of both services on one movable clock: booking books 陈晓 with her consent and
the front desk checks her in; booking's own outbox events go through followup's inbox
and handlers; the task waits for the next morning; li asks the three questions; the
results the stats page draws count her visit, as one answer — a small sample."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.models import OutboxMessage
from tests.contracts.test_contracts import produced
from tests.support import servers
from tests.support.booking import Inventory, Staff, bearer
from tests.support.followup import Caller, Feed

SHANGHAI = ZoneInfo("Asia/Shanghai")
VISIT_DAY = date(2026, 11, 25)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def both(request: pytest.FixtureRequest, make_app, clock):
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))
    if request.param == "sqlite":
        yield make_app("booking"), make_app("followup")
        return
    with servers.pg_database() as second:  # each service its own database
        yield (make_app("booking", database_url=request.getfixturevalue("pg_url")),
               make_app("followup", database_url=second))


def test_a_visit_through_its_satisfaction_call_back(both, clock, auth_header) -> None:
    booking, followup = both
    slot_id = Inventory(booking).session(VISIT_DAY, time(9), count=1)[0]
    consultant = Staff(booking, bearer("consultant", "li"))
    booked = consultant.post("/api/v1/appointments", json={
        "slot_id": slot_id, "channel": "phone", "complaint": "复诊",
        "patient": {"name": "陈晓", "phone": "13900139000", "satisfaction_consent": True}})
    assert booked.status_code == 201, booked.json
    clock.set(datetime.combine(VISIT_DAY, time(9, 5), tzinfo=SHANGHAI))
    frontdesk = Staff(booking, bearer("frontdesk", "qian"))
    assert frontdesk.post(f"/api/v1/appointments/{booked.json['id']}/check-in",
                          json={}).status_code == 200

    feed = Feed(followup)
    for event in produced(booking, OutboxMessage):
        feed.again(event)  # followup's consumer, bound to what it handles, ignores the rest
    li = Caller(followup, "li")
    [task] = li.tasks(kind="satisfaction")
    assert datetime.fromisoformat(task["due_at"]) == \
        datetime.combine(VISIT_DAY + timedelta(days=1), time(9), tzinfo=SHANGHAI)
    assert li.claim(task["id"]).json["code"] == "not_due", "not on the day of the visit"

    clock.set(datetime.combine(VISIT_DAY + timedelta(days=1), time(9, 30), tzinfo=SHANGHAI))
    assert li.claim(task["id"]).status_code == 200
    assert li.post(f"/api/v1/tasks/{task['id']}/dial").status_code == 200
    clock.advance(timedelta(minutes=2))
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["questions"] == ["explanation", "waiting", "overall"]
    assert card["context"]["expert"].startswith("王建国")
    answered = li.call(task["id"], "answered", note="候诊略久",
                       scores={"explanation": 5, "waiting": 3, "overall": 4})
    assert (answered.status_code, answered.json["status"]) == (201, "answered")

    results = followup.test_client().get(
        "/api/v1/satisfaction", query_string={"from": "2026-11-26", "to": "2026-11-26"},
        headers=auth_header("manager")).json
    [expert] = results["by_expert"]
    assert (expert["name"], expert["n"], expert["small"]) == ("王建国 主任医师", 1, True)
    assert expert["averages"] == {"explanation": 5.0, "waiting": 3.0, "overall": 4.0}
    [department] = results["by_department"]
    assert department["n"] == 1
    funnel = followup.test_client().get("/api/v1/funnel", query_string={
        "from": "2026-11-26", "to": "2026-11-26"}, headers=auth_header("manager")).json
    assert funnel["total"]["calls"]["answered"] == 1
    assert funnel["total"]["median_seconds"] == 120
