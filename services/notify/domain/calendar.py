"""The .ics attached to emails: an invite, its update, and its cancellation (same UID)."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event


def uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@clinic"


def ics(appointment_id: int, start: datetime, end: datetime, summary: str, location: str,
        description: str, *, sequence: int, cancel: bool = False, now: datetime) -> str:
    """``METHOD:REQUEST`` (new or moved) or ``METHOD:CANCEL`` for one appointment."""
    calendar = Calendar()
    calendar.add("prodid", "-//clinic//appointments//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(appointment_id))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
