"""Complaints as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md): each refusal is
checked whole — its kind, code, the field at fault and its words — and the managers'
summary count by count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from services.common.refusals import Invalid, Refusal, Refused
from services.followup.domain.complaints import (
    About,
    Row,
    by_department,
    can_close,
    can_resolve,
    check_new,
    due_day,
)
from tests.followup.test_complaints import DIRECTORY, TODAY

AT = datetime(2026, 11, 20, 9, 0)


def refusal(call: Callable[[], None]) -> tuple[type, str, bool, str | None, str]:
    """What the rule refused with: its kind, code (and that it has one), field, words."""
    with pytest.raises(Refusal) as refused:
        call()
    r = refused.value
    return type(r), r.code, r.named, r.field, r.message


def new(**changes) -> Callable[[], None]:
    fields = {"source": "chat", "what": "候诊两小时没人解释", "wish": "希望得到道歉",
              "about": About(2, 3), **changes}
    return lambda: check_new(**fields, **DIRECTORY)


@pytest.mark.parametrize("changes,code,field,message", [
    ({"source": "email"}, "unknown_source", "source",
     "A complaint comes from a call, a chat or the desk."),
    ({"what": " \n"}, "what_required", "what", "Say what the patient is unhappy about."),
    ({"wish": "  "}, "wish_required", "wish", "Say what the patient wants."),
    ({"about": About(9)}, "unknown_department", "department_id",
     "Choose the department from the list."),
    ({"about": About(2, 7)}, "unknown_expert", "expert_id",
     "Choose the expert from the department's list."),
])
def test_a_new_complaint_is_refused_naming_the_field_at_fault(changes, code, field,
                                                               message) -> None:
    assert refusal(new(**changes)) == (Invalid, code, True, field, message)


def test_resolving_needs_an_open_complaint_and_words() -> None:
    assert refusal(lambda: can_resolve("resolved", "已道歉")) == (
        Refused, "not_open", True, None, "This complaint is not open.")
    assert refusal(lambda: can_resolve("open", " ")) == (
        Invalid, "resolution_required", True, "resolution", "Say what the hospital did.")
    can_resolve("open", "已道歉")


def test_closing_needs_a_resolution_first_and_a_note() -> None:
    assert refusal(lambda: can_close("open", "患者表示满意")) == (
        Refused, "not_resolved", True, None, "Record the resolution before the closing call.")
    assert refusal(lambda: can_close("resolved", "")) == (
        Invalid, "closing_note_required", True, "note",
        "Say what the patient said on the closing call.")
    can_close("resolved", "患者表示满意")


def test_the_due_day_may_be_today_but_not_yesterday() -> None:
    assert due_day(TODAY, TODAY, TODAY) == TODAY
    assert due_day(TODAY, TODAY + timedelta(days=1), TODAY) == date(2026, 11, 25)
    assert refusal(lambda: due_day(TODAY, TODAY - timedelta(days=1), TODAY)) == (
        Invalid, "due_in_the_past", True, "due_on", "The due day has passed.")


def test_the_summary_counts_each_department_apart() -> None:
    """Two open, one overdue among them, two closed taking 2 and 5 hours (floored: 5h59m
    is 5); the closed one past its due day is not overdue; another department alone."""
    rows = [
        Row(2, "open", TODAY - timedelta(days=1), AT, None),
        Row(2, "resolved", TODAY, AT, None),
        Row(2, "closed", TODAY - timedelta(days=2), AT, AT + timedelta(hours=2)),
        Row(2, "closed", TODAY, AT, AT + timedelta(hours=5, minutes=59)),
        Row(4, "open", TODAY + timedelta(days=3), AT, None),
    ]
    assert by_department(rows, TODAY) == {
        2: {"open": 2, "overdue": 1, "closed": 2, "median_hours": 3.5},
        4: {"open": 1, "overdue": 0, "closed": 0, "median_hours": None},
    }


def test_a_department_with_only_closed_ones_has_none_open() -> None:
    rows = [Row(4, "closed", TODAY, AT, AT + timedelta(hours=7))]
    assert by_department(rows, TODAY) == {
        4: {"open": 0, "overdue": 0, "closed": 1, "median_hours": 7.0}}


def test_several_overdue_ones_are_all_counted() -> None:
    rows = [Row(2, "open", TODAY - timedelta(days=n), AT, None) for n in (1, 2, 3)]
    assert by_department(rows, TODAY) == {
        2: {"open": 3, "overdue": 3, "closed": 0, "median_hours": None}}


def test_hours_are_whole_hours_of_the_time_taken() -> None:
    """Exactly two days is 48 hours (not 47, as by 3601 seconds an hour)."""
    rows = [Row(2, "closed", TODAY, AT, AT + timedelta(days=2))]
    assert by_department(rows, TODAY)[2]["median_hours"] == 48.0


def test_a_closed_status_without_its_closing_moment_counts_as_open() -> None:
    """Only a closing call that happened (``closed_at``) makes a complaint closed."""
    rows = [Row(2, "closed", TODAY, AT, None),
            Row(2, "resolved", TODAY, AT, AT + timedelta(hours=1))]
    assert by_department(rows, TODAY) == {
        2: {"open": 2, "overdue": 0, "closed": 0, "median_hours": None}}


def test_no_rows_no_departments() -> None:
    assert by_department([], TODAY) == {}
