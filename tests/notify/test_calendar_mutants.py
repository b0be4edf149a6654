"""The .ics of an invite, read line by line: every property a calendar needs is there.

Written for the mutants `make mutate` found surviving (docs/mutation.md): the existing test
reads the UID, method and parties back, not the times, the summary or the header.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.notify.domain.calendar import Party, ics

START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
END = datetime(2026, 11, 25, 1, 15, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def lines(cancel: bool = False) -> list[str]:
    text = ics(7, START, END, "消化内科 王医生", "仁和医院 门诊楼3层", "请带身份证", sequence=2,
               organizer=Party("clinic@renhe.example", "仁和医院"),
               attendee=Party("li@example.cn", "李雷"), installation="9f3a", cancel=cancel,
               now=NOW)
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_header_says_who_made_it_and_which_version() -> None:
    found = lines()
    assert "PRODID:-//clinic//appointments//ZH" in found
    assert "VERSION:2.0" in found
    assert "METHOD:REQUEST" in found and "METHOD:CANCEL" in lines(cancel=True)


def test_the_event_carries_its_times_summary_and_place() -> None:
    found = lines()
    for line in ("UID:appointment-7.9f3a@clinic", "DTSTAMP:20261123T083000Z",
                 "DTSTART:20261125T010000Z", "DTEND:20261125T011500Z",
                 "SUMMARY:消化内科 王医生", "LOCATION:仁和医院 门诊楼3层", "SEQUENCE:2",
                 "DESCRIPTION:请带身份证", "STATUS:CONFIRMED"):
        assert line in found, line
    assert "STATUS:CANCELLED" in lines(cancel=True)


def test_the_attendee_is_asked_nothing_back() -> None:
    """RFC 5546: a required participant whose answer is awaited by no one (RSVP=FALSE)."""
    [attendee] = [line for line in lines() if line.startswith("ATTENDEE")]
    assert attendee == ("ATTENDEE;CN=李雷;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=FALSE"
                        ":mailto:li@example.cn")
