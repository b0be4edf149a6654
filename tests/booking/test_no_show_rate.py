"""The no-show rate per expert: the share of decided visits (arrived or missed) missed."""

from __future__ import annotations

from datetime import time

from tests.booking.test_front_desk import one_came_one_missed
from tests.support.booking import PHONES, local_now, tomorrow


def test_the_rate_counts_decided_visits_only(inv, frontdesk, consultant, staff,
                                             now_slot) -> None:
    one_came_one_missed(frontdesk, now_slot)
    consultant.book(inv.session(tomorrow(), time(8), count=1)[0], phone=PHONES[2])
    today = local_now().date()
    manager = staff("manager")
    rows = manager.get(f"/api/v1/stats/no-show-rate?from={today}&to={tomorrow()}").json
    assert rows == [{"expert_id": 1, "name": "王建国", "decided": 2, "no_show": 1,
                     "no_show_rate": 0.5}]
    assert manager.get(f"/api/v1/stats/no-show-rate?from={tomorrow()}&to={today}"
                       ).status_code == 422
    assert consultant.get(f"/api/v1/stats/no-show-rate?from={today}&to={today}"
                          ).status_code == 403
