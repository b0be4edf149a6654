"""Booking rules at their edges, as plain Python: what a mutant changed unnoticed, and
refusals that say what went wrong in words, not only by their code.

Written for the mutants `make mutate` found surviving (docs/mutation.md) in
``rules.py``, ``patient_link.py`` and ``privacy.py``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain.patient_link import INVALID, InvalidLink, PatientLinks, link_scope
from services.booking.domain.privacy import phone_search
from services.booking.domain.rules import (
    BookingWindow,
    CancelWindow,
    Duplicate,
    NoShowPolicy,
    RuleBroken,
    check_walk_in,
)
from services.booking.domain.statuses import Action, next_status
from services.common.refusals import Refusal

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def in_words(refusal: Refusal) -> str:
    assert refusal.message != refusal.code and " " in refusal.message, refusal.message
    return refusal.message


@pytest.mark.parametrize("day, end, code", [
    (TODAY + timedelta(days=1), NOW + timedelta(hours=1), "not_today"),
    (TODAY, NOW, "slot_over"),
])
def test_a_walk_in_refused_says_why(day: date, end: datetime, code: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        check_walk_in(TODAY, day, NOW, end)
    assert refused.value.code == code
    in_words(refused.value)


def test_a_booking_after_the_cut_off_is_told_the_cut_off() -> None:
    start = NOW + timedelta(minutes=20)
    with pytest.raises(RuleBroken) as refused:
        BookingWindow(cutoff_minutes=30).check(NOW, TODAY, start, ZoneInfo("Asia/Shanghai"))
    assert refused.value.code == "closed"
    assert in_words(refused.value) == \
        "Booking for this slot has closed (30 minutes before it starts)."


def test_a_walk_in_goes_into_a_slot_until_the_moment_it_ends() -> None:
    today = date(2026, 11, 24)
    end = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    check_walk_in(today, today, end - timedelta(seconds=1), end)
    with pytest.raises(RuleBroken) as over:
        check_walk_in(today, today, end, end)
    assert over.value.code == "slot_over"
    with pytest.raises(RuleBroken) as later:
        check_walk_in(today, today + timedelta(days=1), end - timedelta(hours=30), end)
    assert later.value.code == "not_today"


def test_a_duplicate_names_the_appointment_the_patient_has() -> None:
    existing = {"id": 7, "code": "K7QM4TZP"}
    refused = Duplicate(existing)
    assert refused.code == "duplicate" and refused.details == {"existing": existing}
    assert "already has an appointment" in in_words(refused)


def test_a_wrong_link_is_no_such_appointment_in_words() -> None:
    refused = InvalidLink()
    assert (refused.code, refused.message) == ("not_found", INVALID)


@pytest.mark.parametrize("text, roles, code", [
    ("13800138000", ("manager",), "phone_search_not_allowed"),
    ("13800", ("frontdesk",), "phone_fragment"),
])
def test_a_phone_search_refused_says_why(text: str, roles: tuple[str, ...], code: str) -> None:
    with pytest.raises(Refusal) as refused:
        phone_search(text, roles, "CN")
    assert refused.value.code == code
    in_words(refused.value)


def test_staff_cannot_cancel_a_started_visit_and_are_told_what_to_do_instead() -> None:
    start = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    CancelWindow.check_staff(start - timedelta(seconds=1), start)
    with pytest.raises(RuleBroken) as started:
        CancelWindow.check_staff(start, start)
    assert started.value.code == "visit_started"
    assert "mark a no-show" in in_words(started.value)


def test_a_frequent_no_show_needs_a_reason_and_the_refusal_counts_the_misses() -> None:
    policy = NoShowPolicy(threshold=3, days=90)
    policy.check(2, None)
    policy.check(3, "复诊，已电话确认")
    with pytest.raises(RuleBroken) as refused:
        policy.check(4, "  ")
    assert refused.value.code == "no_show_override_required"
    assert "missed 4 visits in the last 90 days" in in_words(refused.value)


def test_a_links_scope_keeps_its_stored_form() -> None:
    """The scope is stored with each idempotent answer a link gave: another form in a later
    version would miss the earlier answers (and erasure would not find them)."""
    token = "a-link-token"
    assert link_scope(token) == "link:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def test_a_move_the_status_does_not_allow_says_which_in_words() -> None:
    with pytest.raises(RuleBroken) as refused:
        next_status("checked_in", Action.CANCEL)
    assert refused.value.code == "wrong_status"
    assert in_words(refused.value) == "Cannot cancel an appointment that is checked in."


def test_a_links_address_has_one_slash_whether_or_not_the_base_ends_with_one() -> None:
    for base in ("https://clinic.example.org", "https://clinic.example.org/"):
        assert PatientLinks("key", base).url("t0k") == "https://clinic.example.org/p/t0k"
    assert PatientLinks("key", "https://his.example.org/BOX/").url("t0k") == \
        "https://his.example.org/BOX/p/t0k", "only the slash goes, not the letters before it"
