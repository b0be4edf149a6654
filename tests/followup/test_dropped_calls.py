"""Dropped calls and call length (SPEC §15, issue 33): a dropped call may be redialled at
once, once, and counts as an attempt only if the redial is not answered; the card's call
button starts a call, the outcome ends it, and the funnel shows calls and their median
length per consultant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.followup.domain.calling import CallRules, after_call, call_seconds, median
from services.followup.domain.statuses import Outcome, TaskStatus
from tests.support.followup import Caller, Feed, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = CallRules()
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


# -- the rule, as plain Python -------------------------------------------------------------

def test_a_drop_allows_one_redial_at_once_and_counts_nothing_yet() -> None:
    after = after_call(RULES, SHANGHAI, NOW, 1, Outcome.DROPPED)
    assert (after.status, after.unanswered, after.due_at, after.redial) == \
        (TaskStatus.OPEN, 1, NOW, True)


@pytest.mark.parametrize("redial", [Outcome.NO_ANSWER, Outcome.BUSY, Outcome.SWITCHED_OFF,
                                    Outcome.DROPPED])
def test_an_unanswered_redial_makes_the_pair_one_attempt(redial: Outcome) -> None:
    """Not answered, or dropped again (no second immediate redial): one attempt, spaced."""
    after = after_call(RULES, SHANGHAI, NOW, 0, redial, redialling=True)
    assert (after.status, after.unanswered, after.redial) == (TaskStatus.OPEN, 1, False)
    assert after.due_at == NOW + RULES.spacing


def test_an_unanswered_redial_at_the_cap_closes_the_task() -> None:
    after = after_call(RULES, SHANGHAI, NOW, 2, Outcome.NO_ANSWER, redialling=True)
    assert (after.status, after.unanswered) == (TaskStatus.UNREACHED, 3)


@pytest.mark.parametrize("outcome,status", [(Outcome.BOOKED, TaskStatus.BOOKED),
                                            (Outcome.DECLINED, TaskStatus.DECLINED)])
def test_an_answered_redial_counts_no_attempt(outcome: Outcome, status: TaskStatus) -> None:
    after = after_call(RULES, SHANGHAI, NOW, 2, outcome, redialling=True)
    assert (after.status, after.unanswered, after.redial) == (status, 2, False)


def test_call_length_and_median() -> None:
    assert call_seconds(None, NOW) is None
    assert call_seconds(NOW + timedelta(seconds=1), NOW) is None, "a clock moved back"
    assert call_seconds(NOW - timedelta(seconds=95, milliseconds=700), NOW) == 95
    assert median([]) is None
    assert median([30]) == 30
    assert median([600, 20, 40]) == 40, "one long call does not pull the middle"
    assert median([10, 40, 20, 30]) == 25


# -- through the API ------------------------------------------------------------------------

def claimed_task(feed: Feed, caller: Caller) -> int:
    feed.no_show(Person())
    [task] = caller.tasks()
    assert caller.claim(task["id"]).status_code == 200
    return task["id"]


def test_a_dropped_call_keeps_the_claim_and_an_answered_redial_counts_no_attempt(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    task_id = claimed_task(feed, li)
    dropped = li.call(task_id, "dropped")
    assert dropped.status_code == 201, dropped.json
    assert (dropped.json["status"], dropped.json["attempts"], dropped.json["redial_pending"],
            dropped.json["claimed_by"]) == ("open", 0, True, "li")
    assert wang.claim(task_id).json["code"] == "claimed", "the redial is li's"
    clock.advance(timedelta(seconds=20))
    answered = li.call(task_id, "call_back", call_back_at=(clock.now() + timedelta(days=1))
                       .isoformat())
    assert (answered.json["attempts"], answered.json["redial_pending"]) == (0, False)


def test_an_unanswered_redial_counts_one_attempt_for_the_pair(app, feed: Feed,
                                                              li: Caller) -> None:
    task_id = claimed_task(feed, li)
    li.call(task_id, "dropped")
    again = li.call(task_id, "dropped")
    assert (again.json["attempts"], again.json["redial_pending"], again.json["section"]) == \
        (1, False, "later"), "a second drop is the unanswered redial: one attempt, spaced"
    card = li.get(f"/api/v1/tasks/{task_id}").json
    assert [c["outcome"] for c in card["calls"]] == ["dropped", "dropped"]


def test_the_call_button_starts_a_call_and_the_outcome_ends_it(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    task_id = claimed_task(feed, li)
    assert wang.post(f"/api/v1/tasks/{task_id}/dial").json["code"] == "not_claimed"
    dialled = li.post(f"/api/v1/tasks/{task_id}/dial")
    assert dialled.status_code == 200, dialled.json
    started = datetime.fromisoformat(dialled.json["dialled_at"])
    clock.advance(timedelta(seconds=10))
    assert li.post(f"/api/v1/tasks/{task_id}/dial").json["dialled_at"] == \
        dialled.json["dialled_at"], "a second press keeps the start"
    clock.advance(timedelta(seconds=80))
    li.call(task_id, "dropped")
    li.post(f"/api/v1/tasks/{task_id}/dial")  # the redial
    clock.advance(timedelta(seconds=30))
    li.call(task_id, "wrong_number")
    calls = li.get(f"/api/v1/tasks/{task_id}").json["calls"]
    assert [(c["seconds"], c["outcome"]) for c in calls] == [(90, "dropped"), (30, "wrong_number")]
    assert datetime.fromisoformat(calls[0]["started_at"]) == started


def test_the_funnel_shows_calls_and_their_median_length_per_consultant(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    for seconds, person in [(60, Person("甲", "+8613800000001")),
                            (200, Person("乙", "+8613800000002")),
                            (None, Person("丙", "+8613800000003"))]:
        feed.no_show(person)
        task = next(t for t in li.tasks() if t["patient"]["name"] == person.name)
        li.claim(task["id"])
        if seconds is not None:
            li.post(f"/api/v1/tasks/{task['id']}/dial")
            clock.advance(timedelta(seconds=seconds))
        li.call(task["id"], "no_answer")
    manager = Caller(app, "boss", role="manager")
    rows = {r["group"]: r for r in manager.get("/api/v1/funnel?by=consultant").json["rows"]}
    assert (rows["li"]["calls_made"], rows["li"]["timed_calls"],
            rows["li"]["median_seconds"]) == (3, 2, 130)
    total = manager.get("/api/v1/funnel?by=channel").json["total"]
    assert (total["calls_made"], total["median_seconds"]) == (3, 130)
    own = li.get("/api/v1/funnel?by=consultant").json["rows"][0]
    assert (own["calls_made"], own["median_seconds"]) == (3, 130)
    assert wang.get("/api/v1/funnel?by=consultant").json["rows"][0]["calls_made"] == 0
