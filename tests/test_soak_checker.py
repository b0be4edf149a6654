"""The soak's checker (tools/soak/checker.py) on made-up histories: what it counts as lost,
doubled, late and not retryable. The soak itself runs in tests/faults/test_soak.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.soak.checker import Facts, failed, judge, line


def request(t: float, kind: str, key: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"type": "request", "t": t, "sent": t - 0.05, "kind": kind, "key": key,
            "attempt": 1, "status": status, "code": extra.pop("code", None),
            "retry_after": extra.pop("retry_after", None), **extra}


def booking(t: float, key: str, appointment: int) -> list[dict[str, Any]]:
    return [request(t, "book", key, 201, slot=7),
            {"type": "booked", "t": t, "key": key, "kind": "book", "appointment": appointment,
             "slot": 7}]


def taken(t: float, message: int, appointment: int,
          template: str = "confirmation") -> dict[str, Any]:
    return {"type": "gateway", "t": t, "ref": f"msg-{message}", "appointment": appointment,
            "template": template}


def outage(start: float, end: float) -> dict[str, Any]:
    return {"type": "fault", "t": start, "kind": "gateway-outage", "start": start, "end": end}


HISTORY = [*booking(1.0, "a", 1), *booking(2.0, "b", 2), taken(1.5, 11, 1), taken(2.4, 12, 2)]
FACTS = Facts(appointments={1, 2})


def test_every_booking_confirmed_once_is_clean() -> None:
    summary = judge(HISTORY, FACTS)
    assert failed(summary) == []
    assert (summary["bookings"], summary["late_max_s"]) == (2, 0.5)
    assert line(summary).startswith("soak: bookings=2 faults=0 kinds=0 lost=0 duplicated=0")


def test_a_message_the_gateway_took_twice_is_duplicated() -> None:
    summary = judge([*HISTORY, taken(3.0, 12, 2)], FACTS)
    assert summary["duplicated"] == 1 and failed(summary) == ["duplicated=1"]


def test_two_confirmations_of_one_appointment_are_duplicated() -> None:
    assert judge([*HISTORY, taken(3.0, 13, 2)], FACTS)["duplicated"] == 1


def test_two_appointments_of_one_patient_are_duplicated() -> None:
    assert judge(HISTORY, Facts(appointments={1, 2}, patients_booked_twice=1))["duplicated"] == 1


def test_a_booking_without_its_confirmation_or_row_is_lost() -> None:
    assert judge(HISTORY[:-1], FACTS)["lost"] == 1
    assert judge(HISTORY, Facts(appointments={1}))["lost"] == 1


def test_a_booking_refused_as_a_duplicate_of_itself_or_never_answered_is_lost() -> None:
    assert judge([*HISTORY, request(3.0, "book", "c", 409, code="duplicate")], FACTS)["lost"] == 1
    assert judge([*HISTORY, request(3.0, "race", "d", 0)], FACTS)["lost"] == 1
    assert judge([*HISTORY, request(3.0, "race", "e", 409, code="slot_full")], FACTS)["lost"] == 0


def test_changes_need_their_message_once() -> None:
    moved = [*HISTORY, request(5.0, "reschedule", "r", 200, appointment=1)]
    assert judge(moved, FACTS)["lost"] == 1
    assert judge([*moved, taken(5.5, 21, 1, "reschedule")], FACTS)["lost"] == 0
    assert judge([*moved, taken(5.5, 21, 1, "reschedule"), taken(5.6, 22, 1, "reschedule")],
                 FACTS)["duplicated"] == 1
    cancelled = [*HISTORY, request(5.0, "cancel", "x", 200, appointment=2, reason="hospital"),
                 taken(5.5, 23, 2, "cancellation")]
    assert judge(cancelled, FACTS)["lost"] == 1, "the hospital's cancellation opens a task"
    assert judge(cancelled, Facts(appointments={1, 2}, hospital_tasks=Counter({2: 1})))[
        "lost"] == 0


def test_lateness_leaves_out_the_gateway_outage_that_caused_it() -> None:
    late = [*booking(10.0, "c", 3), outage(10.0, 30.0), taken(33.0, 13, 3)]
    summary = judge([*HISTORY, *late], Facts(appointments={1, 2, 3}))
    assert summary["late_max_s"] == 3.0
    assert judge([*HISTORY, *booking(10.0, "c", 3), taken(21.0, 13, 3)],
                 Facts(appointments={1, 2, 3}))["late_max_s"] == 11.0
    assert failed(judge([*HISTORY, *booking(10.0, "c", 3), taken(21.0, 13, 3)],
                        Facts(appointments={1, 2, 3}))) == ["late_max_s=11.0 > 10.0"]


def test_only_a_503_with_retry_after_is_a_retryable_5xx() -> None:
    answers = [request(3.0, "book", "f", 503, retry_after="1"), request(3.1, "book", "f", 500),
               request(3.2, "book", "f", 503), request(3.3, "book", "f", 0),
               *booking(3.4, "f", 4), taken(3.5, 14, 4)]
    assert judge([*HISTORY, *answers], Facts(appointments={1, 2, 4}))["5xx_not_retryable"] == 2


def test_recovery_is_the_first_booking_answered_after_the_fault_began() -> None:
    kill = {"type": "fault", "t": 0.5, "kind": "booking-web", "start": 0.5, "end": 1.2}
    assert judge([kill, *HISTORY], FACTS)["recover_max_s"] == 0.5


def test_a_refusal_other_than_losing_the_race_fails_the_soak() -> None:
    lost_race = [*HISTORY, request(3.0, "race", "g", 409, code="slot_full")]
    assert judge(lost_race, FACTS)["refused"] == 0
    refused = [*HISTORY, request(3.0, "enquiry", "h", 422)]
    assert failed(judge(refused, FACTS)) == ["refused=1"]
