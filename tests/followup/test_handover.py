"""Hand-over (SPEC §15, issue 33): a claimed task handed to a named colleague, who then
holds the claim, or released to the list; with a note; both logged on the card."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.common.contracts.schedule import StaffChanged
from services.common.refusals import Invalid, Refused
from services.followup.domain.handover import check_handover
from tests.support.followup import Caller, Feed, Person

DESK = {"li", "wang", "zhao"}


@pytest.mark.parametrize("holder,to,note,error,code", [
    (False, "wang", "说好下午回电", Refused, "not_claimed"),
    (True, "wang", " ", Invalid, "handover_note_required"),
    (True, None, "", Invalid, "handover_note_required"),
    (True, "li", "自己", Invalid, "hand_to_self"),
    (True, "boss", "经理", Invalid, "unknown_colleague"),
])
def test_who_may_hand_on_to_whom(holder, to, note, error, code) -> None:
    with pytest.raises(error) as refused:
        check_handover(holder=holder, by="li", to=to, note=note, colleagues=DESK)
    assert refused.value.code == code


def test_a_holder_hands_on_or_releases_with_a_note() -> None:
    check_handover(holder=True, by="li", to="wang", note="方言，王老师更合适", colleagues=DESK)
    check_handover(holder=True, by="li", to=None, note="下班了", colleagues=())


def test_a_hand_over_gives_the_colleague_the_claim_and_is_logged(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    wang.enquiry("王某", "13500000000", call_consent=False)  # wang has worked at the desk
    feed.no_show(Person())
    [task] = li.tasks()
    assert [c["username"] for c in li.get("/api/v1/colleagues").json] == ["wang"]
    refused = li.post(f"/api/v1/tasks/{task['id']}/hand-over", json={"to": "wang", "note": "x"})
    assert refused.json["code"] == "not_claimed"
    li.claim(task["id"])
    li.post(f"/api/v1/tasks/{task['id']}/dial")
    clock.advance(timedelta(minutes=10))
    unknown = li.post(f"/api/v1/tasks/{task['id']}/hand-over",
                      json={"to": "stranger", "note": "x"})
    assert (unknown.status_code, unknown.json["code"]) == (422, "unknown_colleague")
    handed = li.post(f"/api/v1/tasks/{task['id']}/hand-over",
                     json={"to": "wang", "note": "患者说普通话不方便，王老师会说粤语"})
    assert handed.status_code == 200, handed.json
    assert handed.json["claimed_by"] == "wang"
    until = datetime.fromisoformat(handed.json["claimed_until"])
    assert abs(until - (clock.now() + timedelta(minutes=15))) < timedelta(seconds=5), \
        "a full claim period for the colleague"
    assert li.call(task["id"], "no_answer").json["code"] == "not_claimed"
    card = wang.get(f"/api/v1/tasks/{task['id']}").json
    assert card["patient"]["phone"] == "+8613800138000", "the colleague holds the claim"
    assert card["dialled_at"] is None, "li's call ended with the hand-over"
    assert [(h["by"], h["to"], h["note"]) for h in card["handovers"]] == [
        ("li", "wang", "患者说普通话不方便，王老师会说粤语")]
    released = wang.post(f"/api/v1/tasks/{task['id']}/hand-over", json={"note": "今天打不通"})
    assert released.json["claimed_by"] is None
    assert li.claim(task["id"]).status_code == 200, "back on the list for anyone"
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert [(h["by"], h["to"]) for h in card["handovers"]] == [("li", "wang"), ("wang", None)]


def test_a_deactivated_colleague_is_not_offered(app, feed: Feed, li: Caller,
                                                wang: Caller) -> None:
    wang.enquiry("王某", "13500000000", call_consent=False)
    feed.deliver(StaffChanged(username="wang", token_version=2, active=False))
    assert li.get("/api/v1/colleagues").json == []
