"""The desk's appointment panel: find any appointment across dates by what the caller says
(a phone in any spelling or a part of it, a name, a code), and send its confirmation
again (SPEC §10)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from tests.support.booking import PHONES, SHANGHAI, events_of, tomorrow


@pytest.fixture
def booked(inv, consultant, clock) -> dict:
    """张三 yesterday and the day after tomorrow; 李四 tomorrow; all on PHONES[0] but 李四."""
    clock.set(datetime.combine(tomorrow() - timedelta(days=2), time(9), tzinfo=SHANGHAI))
    yesterday = inv.session(tomorrow() - timedelta(days=1), time(8), count=1)[0]
    later = inv.session(tomorrow() + timedelta(days=1), time(8), count=1)[0]
    soon = inv.session(tomorrow(), time(8), count=1)[0]
    made = {"past": consultant.book(yesterday, name="张三", phone=PHONES[0]).json,
            "later": consultant.book(later, name="张三", phone=PHONES[0]).json,
            "other": consultant.book(soon, name="李四", phone=PHONES[1]).json}
    clock.set(datetime.combine(tomorrow(), time(7), tzinfo=SHANGHAI))  # "past" was yesterday
    return made


def found(consultant, q: str) -> list[int]:
    answer = consultant.get("/api/v1/appointments", query_string={"q": q})
    assert answer.status_code == 200, answer.json
    return [a["id"] for a in answer.json]


@pytest.mark.parametrize("spelling", ["13800138000", "138 0013 8000", "+86 138-0013-8000",
                                      "(+86)１３８００１３８０００", "8000"])
def test_a_phone_in_any_spelling_finds_every_visit(consultant, booked, spelling) -> None:
    assert found(consultant, spelling) == [booked["later"]["id"], booked["past"]["id"]], \
        "upcoming first, then the past"


@pytest.mark.parametrize("fragment", ["0013 8000", "38000", "1380013"])
def test_a_part_of_a_phone_finds_nothing(consultant, booked, fragment) -> None:
    """Only the whole number or its last four digits (issue 28: a fragment search lets
    anyone rebuild a number digit by digit)."""
    assert found(consultant, fragment) == []


def test_a_name_or_a_code_finds_it(consultant, booked) -> None:
    assert found(consultant, "李") == [booked["other"]["id"]]
    assert found(consultant, booked["other"]["code"].lower()) == [booked["other"]["id"]]
    assert found(consultant, booked["other"]["code"][:5]) == [booked["other"]["id"]]
    assert found(consultant, "%") == [] and found(consultant, "_") == []
    listed = consultant.get("/api/v1/appointments", query_string={"q": "张三"}).json
    assert {a["patient"]["phone"] for a in listed} == {"138****8000"}, "masked in the list"


def test_the_confirmation_goes_again_but_not_twice_in_a_moment(app, consultant, booked,
                                                              clock) -> None:
    path = f"/api/v1/appointments/{booked['later']['id']}/resend"
    assert consultant.post(path).status_code == 200
    again = consultant.post(path)
    assert again.status_code == 409 and again.json["code"] == "resent_recently"
    clock.advance(timedelta(minutes=3))
    assert consultant.post(path).status_code == 200
    told = events_of(app, "booking.appointment.confirmation_requested")
    assert [e["appointment_id"] for e in told] == [booked["later"]["id"]] * 2
    assert told[0]["patient"]["phone"] == "+86" + PHONES[0]
    past = consultant.post(f"/api/v1/appointments/{booked['past']['id']}/resend")
    assert past.status_code == 409 and past.json["code"] == "wrong_status"
    history = consultant.get(f"/api/v1/appointments/{booked['later']['id']}").json["history"]
    assert [h["action"] for h in history].count("resend") == 2
