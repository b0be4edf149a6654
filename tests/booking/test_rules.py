"""Booking rules as plain Python: no Flask, no database, no broker."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.booking.domain.rules import BookingWindow, CancelWindow, NoShowPolicy, RuleBroken
from services.booking.domain.statuses import (
    ACTIVE,
    TRANSITIONS,
    Action,
    AppointmentStatus,
    next_status,
)
from services.common.refusals import Kind

SHANGHAI = ZoneInfo("Asia/Shanghai")
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC))


@given(now=moments, start=moments, cutoff=st.integers(min_value=0, max_value=24 * 60))
def test_open_after_agrees_with_the_cut_off_of_every_slot(now, start, cutoff) -> None:
    """Availability compares each start with one moment; booking checks the cut-off per
    slot. They must never disagree, or the grid would offer a slot booking refuses."""
    window = BookingWindow(cutoff_minutes=cutoff)
    assert (start > window.open_after(now)) == (now < window.closes_at(start))
    refused = now >= window.closes_at(start)
    try:
        window.check(now, start.date(), start, SHANGHAI)
    except RuleBroken as broken:
        assert broken.code in {"closed", "not_released"}
        assert refused or broken.code == "not_released"
    else:
        assert not refused


@given(now=moments, start=moments, cutoff=st.integers(min_value=-24 * 60, max_value=24 * 60))
def test_what_is_offered_is_bookable_and_has_not_begun(now, start, cutoff) -> None:
    """A negative cut-off lets staff book after a slot's start; nothing the product
    offers on its own has begun, and all of it is before its cut-off."""
    window = BookingWindow(cutoff_minutes=cutoff)
    offered = start > window.offered_after(now)
    assert offered == (start > now and now < window.closes_at(start))


def test_a_slot_opens_at_the_release_time_in_the_hospital_zone() -> None:
    window = BookingWindow(release_days=7, release_time=time(7, 0))
    opens = window.opens_at(date(2026, 12, 10), SHANGHAI)
    assert opens == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # 07:00 on the 3rd in Shanghai
    with pytest.raises(RuleBroken) as early:
        window.check(opens - timedelta(seconds=1), date(2026, 12, 10),
                     datetime(2026, 12, 10, 1, 0, tzinfo=UTC), SHANGHAI)
    assert early.value.code == "not_released" and "2026-12-03 07:00" in str(early.value)
    window.check(opens, date(2026, 12, 10), datetime(2026, 12, 10, 1, 0, tzinfo=UTC), SHANGHAI)


def test_patients_cancel_online_until_their_cut_off_and_staff_until_the_visit() -> None:
    start = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    window = CancelWindow(patient_cutoff_minutes=120)
    window.check_patient(start - timedelta(minutes=121), start)
    with pytest.raises(RuleBroken, match="too late"):
        window.check_patient(start - timedelta(minutes=120), start)
    CancelWindow.check_staff(start - timedelta(seconds=1), start)
    with pytest.raises(RuleBroken) as started:
        CancelWindow.check_staff(start, start)
    assert started.value.code == "visit_started"


@given(no_shows=st.integers(min_value=0, max_value=10),
       reason=st.sampled_from([None, "", "   ", "主任同意"]))
def test_frequent_no_shows_need_a_real_reason(no_shows, reason) -> None:
    policy = NoShowPolicy(threshold=3)
    needs_reason = no_shows >= 3 and not (reason or "").strip()
    if needs_reason:
        with pytest.raises(RuleBroken) as broken:
            policy.check(no_shows, reason)
        assert broken.value.code == "no_show_override_required"
    else:
        policy.check(no_shows, reason)


#: The appointment's legal moves, written out from SPEC §3 and docs/booking.md ("Status
#: changes", "Patient link") and NOT read from the code: (status, action) → new status.
#: booked → checked_in → completed; booked → cancelled; booked → no_show; a check-in or a
#: no-show set by mistake is undone back to booked; a visit the hospital cancelled is
#: booked again through the patient link (rebook). Nothing else moves a status.
LEGAL_MOVES = {
    ("booked", "cancel"): "cancelled",
    ("booked", "check_in"): "checked_in",
    ("booked", "no_show"): "no_show",
    ("checked_in", "undo_check_in"): "booked",
    ("checked_in", "complete"): "completed",
    ("no_show", "undo_no_show"): "booked",
    ("cancelled", "rebook"): "booked",
}
#: Actions that change no status through the table (they make, move or re-send one).
NOT_STATUS_MOVES = {"book", "walk_in", "reschedule", "resend"}


def test_the_transition_table_is_exactly_the_legal_moves() -> None:
    """Adding an illegal move to the table (cancel a checked-in visit, check in a
    no-show, complete a visit only booked, …) or dropping a legal one fails here."""
    table = {(str(status), str(action)): str(target)
             for action, (allowed, target) in TRANSITIONS.items() for status in allowed}
    assert table == LEGAL_MOVES
    assert {str(a) for a in Action} - {str(a) for a in TRANSITIONS} == NOT_STATUS_MOVES
    assert {str(s) for s in AppointmentStatus} == {
        "booked", "checked_in", "completed", "cancelled", "no_show"}


def test_booked_and_checked_in_are_the_active_statuses() -> None:
    """"One active appointment (booked or checked in) per patient, expert and day"."""
    assert {str(s) for s in ACTIVE} == {"booked", "checked_in"}


@pytest.mark.parametrize("status", [s.value for s in AppointmentStatus])
@pytest.mark.parametrize("action", sorted(a.value for a in TRANSITIONS))
def test_each_action_applies_only_where_the_table_says(status, action) -> None:
    """Every (status, action) pair: the legal ones lead where the spec says, every other
    one is refused as ``wrong_status`` — checked against the list above, not the table."""
    if (status, action) in LEGAL_MOVES:
        assert next_status(status, Action(action)) == LEGAL_MOVES[status, action]
    else:
        with pytest.raises(RuleBroken) as broken:
            next_status(status, Action(action))
        assert broken.value.code == "wrong_status"
        assert broken.value.kind == Kind.CONFLICT  # answered 409
