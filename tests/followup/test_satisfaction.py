"""Satisfaction call-backs (SPEC §15, issue 33 item 6): only with the consent given at
booking, a task the day after check-in, three questions scored 1–5 and a note, results by
expert and department with the count behind each average."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.refusals import Invalid
from services.followup.domain.calling import CallRules, after_call
from services.followup.domain.satisfaction import (
    QUESTIONS,
    Result,
    check_outcome,
    check_scores,
    first_call,
    summarise,
)
from services.followup.domain.statuses import Outcome, TaskKind, TaskStatus
from tests.support.followup import Caller, Feed, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = CallRules()
GOOD = {"explanation": 5, "waiting": 3, "overall": 4}


# -- the rules, as plain Python ------------------------------------------------------------

@pytest.mark.parametrize("checked_in,due", [
    (datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)),
    # 23:30 Shanghai is still the 24th there (15:30 UTC): the call is on the 25th at 09:00
    (datetime(2026, 11, 24, 15, 30, tzinfo=UTC), datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)),
    (datetime(2026, 11, 24, 0, 5, tzinfo=SHANGHAI), datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)),
])
def test_the_call_is_due_when_calling_hours_open_the_next_hospital_day(
        checked_in: datetime, due: datetime) -> None:
    assert first_call(RULES, SHANGHAI, checked_in) == due


def test_the_three_scores_are_required_with_answered_and_each_is_1_to_5() -> None:
    assert check_scores(Outcome.ANSWERED, GOOD) == GOOD
    for bad in ({"explanation": 5, "waiting": 3}, {**GOOD, "overall": 0},
                {**GOOD, "overall": 6}, {**GOOD, "waiting": 2.5}, {**GOOD, "waiting": "4"},
                {**GOOD, "waiting": True}, None):
        with pytest.raises(Invalid):
            check_scores(Outcome.ANSWERED, bad)
    assert check_scores(Outcome.NO_ANSWER, None) is None
    with pytest.raises(Invalid) as refused:
        check_scores(Outcome.REFUSED, GOOD)
    assert refused.value.code == "scores_only_when_answered"


def test_a_satisfaction_call_books_nothing_and_only_it_is_answered_or_refused() -> None:
    for outcome in (Outcome.BOOKED, Outcome.DECLINED):
        with pytest.raises(Invalid):
            check_outcome(TaskKind.SATISFACTION, outcome)
    for outcome in (Outcome.ANSWERED, Outcome.REFUSED, Outcome.NO_ANSWER, Outcome.DROPPED,
                    Outcome.CALL_BACK, Outcome.DO_NOT_CALL):
        check_outcome(TaskKind.SATISFACTION, outcome)
    with pytest.raises(Invalid):
        check_outcome(TaskKind.NO_SHOW, Outcome.ANSWERED)


def test_answered_and_refused_close_the_task_and_no_answer_is_capped() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    assert after_call(RULES, SHANGHAI, now, 0, Outcome.ANSWERED).status == TaskStatus.ANSWERED
    assert after_call(RULES, SHANGHAI, now, 0, Outcome.REFUSED).status == TaskStatus.REFUSED
    assert after_call(RULES, SHANGHAI, now, 2, Outcome.NO_ANSWER).status == TaskStatus.UNREACHED


def test_results_show_the_count_behind_each_average_and_mark_small_samples() -> None:
    def result(expert_id: int, scores: dict[str, int] | None, status: str = "answered") -> Result:
        return Result(expert_id, f"expert {expert_id}", 2, "消化内科", status, scores)

    rows = summarise([result(1, GOOD), result(1, {**GOOD, "overall": 5}),
                      result(1, None, "refused"), result(1, None, "unreached")]
                     + [result(2, GOOD)] * 5, "expert")
    assert [(r["id"], r["n"], r["small"]) for r in rows] == [(2, 5, False), (1, 2, True)]
    assert rows[1]["averages"] == {"explanation": 5.0, "waiting": 3.0, "overall": 4.5}
    assert (rows[1]["refused"], rows[1]["unreached"]) == (1, 1)
    only_refused = summarise([result(3, None, "refused")], "department")
    assert only_refused[0]["n"] == 0 and only_refused[0]["averages"]["overall"] is None


# -- through followup's inbox and API -------------------------------------------------------

def satisfaction_tasks(li: Caller, status: str = "open") -> list[dict]:
    return li.tasks(kind="satisfaction", status=status)


def test_no_consent_no_call(app, feed: Feed, li: Caller) -> None:
    feed.checked_in(Person("王五"))
    assert satisfaction_tasks(li) == []


def test_a_check_in_with_consent_opens_one_task_due_the_next_morning(
        app, feed: Feed, li: Caller, clock) -> None:
    person = Person("陈晓", satisfaction_consent=True)
    event = feed.checked_in(person, appointment_id=4242)
    feed.again(event)
    feed.checked_in(person, appointment_id=4242)  # the same visit published again
    [task] = satisfaction_tasks(li)
    assert task["appointment_id"] == 4242
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert li.claim(task["id"]).json["code"] == "not_due"


def test_no_call_for_a_number_on_the_do_not_call_list(app, feed: Feed, li: Caller) -> None:
    assert li.post("/api/v1/do-not-call", json={"phone": "13800138000",
                                                  "reason": "asked"}).status_code == 201
    feed.checked_in(Person("陈晓", satisfaction_consent=True))
    assert satisfaction_tasks(li) == []


def test_a_check_in_undone_or_consent_withdrawn_calls_nobody(app, feed: Feed, li: Caller) -> None:
    person = Person("陈晓", satisfaction_consent=True)
    feed.checked_in(person, appointment_id=5001)
    feed.check_in_undone(person, appointment_id=5001)
    assert satisfaction_tasks(li) == []
    feed.checked_in(person, appointment_id=5002)
    assert len(satisfaction_tasks(li)) == 1
    person.satisfaction_consent = False  # booked again, the box unticked: withdrawn
    feed.booked(person, code="NEWCODE1")
    assert satisfaction_tasks(li) == []
    assert len(satisfaction_tasks(li, "withdrawn")) == 2  # the undone visit's and this one


def test_a_new_booking_does_not_close_a_satisfaction_call(app, feed: Feed, li: Caller) -> None:
    person = Person("陈晓", satisfaction_consent=True)
    feed.checked_in(person)
    feed.booked(person, code="NEXTVIS1")
    assert len(satisfaction_tasks(li)) == 1


def answer_one(feed: Feed, li: Caller, clock, **scores: int) -> dict:
    feed.checked_in(Person("陈晓", satisfaction_consent=True))
    clock.advance(timedelta(days=1))
    [task] = satisfaction_tasks(li)
    assert li.claim(task["id"]).status_code == 200
    return task


def test_the_card_asks_three_questions_and_an_answer_closes_it(
        app, feed: Feed, li: Caller, clock) -> None:
    task = answer_one(feed, li, clock)
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["questions"] == list(QUESTIONS)
    assert card["etiquette"]["greeting"]["why"] == "satisfaction"
    missing = li.call(task["id"], "answered", scores={"explanation": 5, "waiting": 4})
    assert (missing.status_code, missing.json["code"]) == (422, "scores_required")
    wrong = li.call(task["id"], "booked", appointment_code="ABCDEFGH")
    assert (wrong.status_code, wrong.json["code"]) == (422, "outcome_not_for_satisfaction")
    done = li.call(task["id"], "answered", scores=GOOD, note="候诊有点久")
    assert (done.status_code, done.json["status"]) == (201, "answered")
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["calls"][-1]["scores"] == GOOD


def test_no_answers_are_capped_and_a_refusal_closes(app, feed: Feed, li: Caller, clock) -> None:
    task = answer_one(feed, li, clock)
    assert li.call(task["id"], "no_answer").json["status"] == "open"
    clock.advance(timedelta(hours=2))
    li.claim(task["id"])
    assert li.call(task["id"], "refused").json["status"] == "refused"


def test_results_by_expert_and_department(app, feed: Feed, li: Caller, clock,
                                          auth_header) -> None:
    task = answer_one(feed, li, clock)
    li.call(task["id"], "answered", scores=GOOD)
    manager = app.test_client()
    answer = manager.get("/api/v1/satisfaction", headers=auth_header("manager")).json
    [expert] = answer["by_expert"]
    assert (expert["id"], expert["name"], expert["n"], expert["small"]) == \
        (3, "张伟 主任医师", 1, True)
    assert expert["averages"] == {"explanation": 5.0, "waiting": 3.0, "overall": 4.0}
    assert answer["by_department"][0]["name"] == "消化内科"
    assert li.get("/api/v1/satisfaction").status_code == 403


def test_the_hospital_may_call_later_or_the_same_day() -> None:
    checked_in = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)
    later = CallRules(satisfaction_after=3)
    assert first_call(later, SHANGHAI, checked_in) == datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    same_day = CallRules(satisfaction_after=0)
    assert first_call(same_day, SHANGHAI, checked_in) == \
        datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI), "already open: due at once"


def test_erasure_keeps_the_results_and_empties_the_note_the_export_lists_them(
        app, feed: Feed, li: Caller, clock, auth_header) -> None:
    person = Person("陈晓", satisfaction_consent=True)
    feed.checked_in(person, appointment_id=7001)
    clock.advance(timedelta(days=1))
    [task] = satisfaction_tasks(li)
    li.claim(task["id"])
    li.call(task["id"], "answered", scores=GOOD, note="候诊有点久，电话 13800138000")
    admin = auth_header("admin")
    exported = app.test_client().get(f"/api/v1/patients/{person.id}/export", headers=admin).json
    assert [a["overall"] for a in exported["satisfaction"]] == [4]
    feed.erased(person.id, [7001])
    exported = app.test_client().get(f"/api/v1/patients/{person.id}/export", headers=admin).json
    assert [a["note"] for a in exported["satisfaction"]] == [""]
    answer = app.test_client().get("/api/v1/satisfaction", headers=auth_header("manager")).json
    assert [(r["id"], r["n"]) for r in answer["by_expert"]] == [(3, 1)], \
        "the counts and averages stay, under the same expert"
