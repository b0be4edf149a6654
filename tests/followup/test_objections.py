"""Objections on declined calls (SPEC §15, issue 33): what the person said, from a fixed
list the hospital can extend, with a note; the card shows the facts that answer each; the
funnel counts them by kind, consultant, channel and department."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.common.refusals import Invalid
from services.followup.domain.objections import (
    STANDARD,
    answers,
    check_objection,
    parse_extra,
)
from services.followup.domain.statuses import Outcome
from services.followup.worker import open_due_enquiry_tasks
from tests.support.followup import Caller, Feed, Person

# -- the rule, as plain Python -------------------------------------------------------------


def test_the_fixed_list_is_the_specifications() -> None:
    assert STANDARD == ("price", "distance", "time", "treated_elsewhere", "wants_to_think",
                        "family_decides", "distrust", "other")


@pytest.mark.parametrize("outcome,objection,note,code", [
    (Outcome.DECLINED, None, "", "objection_required"),
    (Outcome.DECLINED, "cheaper_next_door", "", "unknown_objection"),
    (Outcome.DECLINED, "other", "  ", "objection_note_required"),
    (Outcome.NO_ANSWER, "price", "", "objection_only_on_declined"),
])
def test_a_declined_call_says_what_the_person_said(outcome, objection, note, code) -> None:
    with pytest.raises(Invalid) as refused:
        check_objection(outcome, objection, note, STANDARD)
    assert refused.value.code == code


def test_what_is_kept() -> None:
    assert check_objection(Outcome.DECLINED, "price", "", STANDARD) == "price"
    assert check_objection(Outcome.DECLINED, "other", "要先问单位", STANDARD) == "other"
    assert check_objection(Outcome.BUSY, None, "", STANDARD) is None
    assert check_objection(Outcome.DECLINED, "parking", "", (*STANDARD, "parking")) == "parking"


def test_the_hospital_extends_the_list_and_a_typo_hides_nothing() -> None:
    extra = parse_extra("parking=停车不便=Parking is hard; price=价格=Price;bad entry;"
                        "x y=空格=Space; night_only=只能晚上=Evenings only")
    assert [(e.code, e.zh, e.en) for e in extra] == [
        ("parking", "停车不便", "Parking is hard"), ("night_only", "只能晚上", "Evenings only")]
    assert parse_extra("") == ()


def test_the_facts_that_answer_each_only_those_held() -> None:
    facts = {"fee": "100.00", "address": "示范路 100 号", "directions": "", "hospital_phone": "021"}
    assert answers("price", facts) == [("fee", "100.00")], "医保 is not held here: not shown"
    assert answers("distance", facts) == [("address", "示范路 100 号")]
    assert answers("treated_elsewhere", facts) == []
    assert answers("unknown", facts) == []


# -- through the API ------------------------------------------------------------------------

def test_a_declined_call_keeps_its_objection_and_the_card_shows_the_answering_facts(
        app, feed: Feed, li: Caller) -> None:
    feed.cancelled(Person())
    [task] = li.tasks()
    li.claim(task["id"])
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["objections"] == list(STANDARD)
    assert card["objection_answers"]["price"] == [{"fact": "fee", "value": "100.00"}]
    assert [a["fact"] for a in card["objection_answers"]["distance"]] == ["address",
                                                                          "directions"]
    assert card["objection_answers"]["time"] == [{"fact": "alternatives", "value": "2"}]
    refused = li.call(task["id"], "declined")
    assert (refused.status_code, refused.json["code"]) == (422, "objection_required")
    refused = li.call(task["id"], "declined", objection="other")
    assert (refused.status_code, refused.json["code"]) == (422, "objection_note_required")
    assert li.tasks()[0]["status"] == "open", "a refused call logged nothing"
    done = li.call(task["id"], "declined", objection="family_decides", note="要和女儿商量")
    assert done.json["status"] == "declined"
    calls = li.get(f"/api/v1/tasks/{task['id']}").json["calls"]
    assert [(c["objection"], c["note"]) for c in calls] == [("family_decides", "要和女儿商量")]


def test_an_objection_the_hospital_added_is_accepted(make_app, clock) -> None:
    app = make_app("followup", followup_extra_objections="parking=停车不便=Parking is hard")
    feed, li = Feed(app), Caller(app, "li")
    feed.no_show(Person())
    [task] = li.tasks()
    li.claim(task["id"])
    assert li.get(f"/api/v1/tasks/{task['id']}").json["objections"][-1] == "parking"
    assert li.call(task["id"], "declined", objection="parking").status_code == 201


def test_the_funnel_counts_objections_by_kind_consultant_channel_and_department(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    li.enquiry("张三", "13800138000", channel="chat", department_id=2)
    li.enquiry("李四", "13912345678", channel="wechat")
    clock.advance(timedelta(hours=25))
    open_due_enquiry_tasks(app.extensions["clinic"])
    feed.no_show(Person("王五", "+8613700001111"))
    said = {"张三": "price", "李四": "distance", "王五": "price"}
    for task in li.tasks():
        caller = wang if task["kind"] == "no_show" else li
        caller.claim(task["id"])
        caller.call(task["id"], "declined", objection=said[task["patient"]["name"]])
    manager = Caller(app, "boss", role="manager")

    def rows(by: str) -> dict:
        answer = manager.get(f"/api/v1/funnel?by={by}").json
        return {r["group"]: r["objections"] for r in answer["rows"]} | {
            "total": answer["total"]["objections"]}

    assert rows("consultant") == {"li": {"price": 1, "distance": 1}, "wang": {"price": 1},
                                  "total": {"price": 2, "distance": 1}}
    assert rows("channel") == {"chat": {"price": 1}, "wechat": {"distance": 1},
                               "total": {"price": 2, "distance": 1}}
    assert rows("department") == {"2": {"price": 1}, "": {"distance": 1},
                                  "total": {"price": 2, "distance": 1}}
    assert li.get("/api/v1/funnel?by=consultant").json["rows"][0]["objections"] == \
        {"price": 1, "distance": 1}


def test_an_extra_objection_needs_all_three_parts_and_a_short_code() -> None:
    """``code=中文=English``: an entry of two parts is skipped (not read past its end), and
    a code may be 24 letters long, not 25."""
    longest, too_long = "a" * 24, "b" * 25
    found = parse_extra(f"late=来不及=Too late;broken=坏;{longest}=长=Long;{too_long}=太长=Longer")
    assert [extra.code for extra in found] == ["late", longest]
