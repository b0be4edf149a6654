"""Booking rules (SPEC §3): windows, cut-offs, the no-show policy, status changes.

A rule says no with a :class:`~services.common.refusals.Refusal` of its kind: booking's
own are :class:`RuleBroken` (the state of things says no) and :class:`Duplicate`; an
input that can never be accepted is :class:`Invalid`. No HTTP status lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.common.desk import Desk
from services.common.refusals import Forbidden, Invalid, NotFound, Refused

from .patient_link import PatientLinks

__all__ = ["BookingDesk", "Duplicate", "Forbidden", "Invalid", "NotFound", "RuleBroken",
           "Rules"]


class RuleBroken(Refused):
    """A request booking's rules refuse now; ``code`` says which rule, for pages and
    clients."""


class Duplicate(RuleBroken):
    """The patient already has an active appointment with this expert that day."""

    def __init__(self, existing: dict[str, Any]) -> None:
        super().__init__("duplicate", "The patient already has an appointment with this expert "
                         "on this day.", existing=existing)


@dataclass(frozen=True)
class BookingWindow:
    """A slot can be booked from its release until a cut-off before it starts.

    Release: ``release_days`` before the slot's date at ``release_time`` (hospital
    time). Cut-off: ``cutoff_minutes`` before the start. Walk-ins ignore both.
    """

    release_days: int = 14
    release_time: time = time(7, 0)
    cutoff_minutes: int = 30

    def opens_at(self, day: date, zone: ZoneInfo) -> datetime:
        local = datetime.combine(day - timedelta(days=self.release_days), self.release_time,
                                 tzinfo=zone)
        return local.astimezone(ZoneInfo("UTC"))

    def closes_at(self, start: datetime) -> datetime:
        return start - timedelta(minutes=self.cutoff_minutes)

    def open_after(self, now: datetime) -> datetime:
        """Slots starting after this moment are still before their cut-off at ``now``:
        one subtraction for a whole grid instead of one per slot."""
        return now + timedelta(minutes=self.cutoff_minutes)

    def offered_after(self, now: datetime) -> datetime:
        """What the product offers on its own (the next free place, a leave's
        alternatives, the waitlist's places) starts after this moment: before the cut-off
        and not begun, even where a negative cut-off lets staff book after the start."""
        return max(now, self.open_after(now))

    def check(self, now: datetime, day: date, start: datetime, zone: ZoneInfo) -> None:
        opens = self.opens_at(day, zone)
        if now < opens:
            raise RuleBroken("not_released", "This slot opens for booking at "
                             f"{opens.astimezone(zone):%Y-%m-%d %H:%M}.")
        if now >= self.closes_at(start):
            raise RuleBroken("closed", "Booking for this slot has closed "
                             f"({self.cutoff_minutes} minutes before it starts).")


@dataclass(frozen=True)
class CancelWindow:
    """Until when a patient may cancel through the link (staff may until the visit)."""

    patient_cutoff_minutes: int = 120

    def check_patient(self, now: datetime, start: datetime) -> None:
        if now >= start - timedelta(minutes=self.patient_cutoff_minutes):
            raise RuleBroken("too_late", "It is too late to cancel online; please call the "
                             "hospital.")

    @staticmethod
    def check_staff(now: datetime, start: datetime) -> None:
        if now >= start:
            raise RuleBroken("visit_started", "The visit has started; mark a no-show instead.")


def check_walk_in(today: date, day: date, now: datetime, end: datetime) -> None:
    """A walk-in is a patient at the desk now: into one of today's slots not yet over.
    (A walk-in into a later day was checked in today for a visit days away, and one into
    a slot over hours ago got a confirmation offering to cancel it.)"""
    if day != today:
        raise RuleBroken("not_today", "Walk-ins are registered into today's slots only.")
    if end <= now:
        raise RuleBroken("slot_over", "This slot is over; choose one that has not ended.")


@dataclass(frozen=True)
class NoShowPolicy:
    """Patients who often do not come can be booked only with a stated reason."""

    threshold: int = 3
    days: int = 90

    def since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)

    def check(self, no_shows: int, override_reason: str | None) -> None:
        if no_shows >= self.threshold and not (override_reason or "").strip():
            raise RuleBroken(
                "no_show_override_required",
                f"The patient missed {no_shows} visits in the last {self.days} days; "
                "booking needs an override reason.")


@dataclass(frozen=True)
class Rules:
    """Every configurable rule of a booking desk, in one place; ``links`` makes and reads
    the patients' links of this installation."""

    links: PatientLinks
    window: BookingWindow = BookingWindow()
    cancel_window: CancelWindow = CancelWindow()
    no_shows: NoShowPolicy = NoShowPolicy()
    hold_seconds: int = 300
    max_holds: int = 3  # live holds one member of staff may have at once
    no_show_grace_minutes: int = 30


#: The desk booking's operations work at: who, when, where, under booking's rules.
BookingDesk = Desk[Rules]
