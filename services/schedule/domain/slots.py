"""Sessions, weekly templates, leave and the slots they make: plain Python.

A session is a stretch of an expert's day in the hospital's wall-clock time
(08:00–11:30) cut into slots of equal length, each taking ``capacity`` patients.
Slots are cut in real time: the session's start and end are turned into UTC
instants and the slots tile that interval exactly. On a daylight-saving change
day a session therefore has as many slots as fit in its real length: no slot
starts at an instant that does not exist, and none is made twice for an hour
that happens twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from services.common.refusals import Invalid

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MAX_CAPACITY = 500


@dataclass(frozen=True)
class Session:
    """A session's shape in wall-clock time."""

    start: time
    end: time
    slot_minutes: int
    capacity: int

    def check(self) -> Session:
        """Refuse what cannot be right: end before start, no places, slots that do not fit."""
        if self.end <= self.start:
            raise Invalid(message="The session must end after it starts.", field="end")
        if not MIN_SLOT_MINUTES <= self.slot_minutes <= MAX_SLOT_MINUTES:
            raise Invalid(message=f"A slot lasts {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} "
                                  "minutes.", field="slot_minutes")
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise Invalid(message=f"Each slot takes 1 to {MAX_CAPACITY} patients.",
                          field="capacity_per_slot")
        if self.minutes % self.slot_minutes:
            raise Invalid(message=f"{self.slot_minutes}-minute slots do not fit a "
                                  f"{self.minutes}-minute session "
                                  f"({self.start:%H:%M}–{self.end:%H:%M}).",
                          field="slot_minutes")
        return self

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)

    @property
    def label(self) -> str:
        """How staff name a session: ``08:00-11:30``."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def slot_count(self) -> int:
        return self.minutes // self.slot_minutes

    def overlaps(self, other: Session | tuple[time, time]) -> bool:
        start, end = (other.start, other.end) if isinstance(other, Session) else other
        return self.start < end and start < self.end


@dataclass(frozen=True)
class WeeklyRule:
    """A template row: on ``weekday`` (1 = Monday … 7 = Sunday) between two dates."""

    weekday: int
    session: Session
    valid_from: date
    valid_until: date | None = None
    id: int | None = None

    def check(self) -> WeeklyRule:
        if not 1 <= self.weekday <= 7:
            raise Invalid(message="Weekday is 1 (Monday) to 7 (Sunday).", field="weekday")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise Invalid(message="valid_until is before valid_from.", field="valid_until")
        self.session.check()
        return self

    def applies_on(self, day: date) -> bool:
        return (day.isoweekday() == self.weekday and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))

    def shares_days_with(self, other: WeeklyRule) -> bool:
        if self.weekday != other.weekday:
            return False
        self_end = self.valid_until or date.max
        other_end = other.valid_until or date.max
        return self.valid_from <= other_end and other.valid_from <= self_end


def check_no_overlap(rule: WeeklyRule, others: Iterable[WeeklyRule]) -> None:
    """Two sessions of one expert never overlap on a day both apply."""
    for other in others:
        if other.id is not None and other.id == rule.id:
            continue
        if rule.shares_days_with(other) and rule.session.overlaps(other.session):
            raise Invalid(message=f"Overlaps the expert's session {other.session.start:%H:%M}–"
                                  f"{other.session.end:%H:%M} on the same weekday.",
                          field="start")


class Timed(Protocol):
    start_at: datetime
    end_at: datetime


S = TypeVar("S", bound=Timed)


@dataclass(frozen=True)
class Leave:
    """An expert away for a whole day (no times) or for part of it."""

    day: date
    start: time | None = None
    end: time | None = None

    def check(self) -> Leave:
        if (self.start is None) != (self.end is None):
            raise Invalid(message="Give both start and end, or neither for the whole day.",
                          field="end")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise Invalid(message="Leave must end after it starts.", field="end")
        return self

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        if self.start is None or self.end is None:
            return day_bounds(self.day, zone)
        return to_utc(self.day, self.start, zone), to_utc(self.day, self.end, zone)

    def split(self, slots: list[S], zone: ZoneInfo) -> tuple[list[S], list[S]]:
        """(slots inside the leave, slots it only overlaps). Only those inside are
        cancelled: an expert away 09:00–10:00 still sees the 08:30–09:30 patient, whom
        the desk tells in person; the admin is shown both lists before confirming."""
        start, end = self.window(zone)
        inside = [s for s in slots if start <= s.start_at and s.end_at <= end]
        partly = [s for s in slots if s not in inside and s.start_at < end and start < s.end_at]
        return inside, partly


@dataclass(frozen=True)
class PlannedSlot:
    """A slot to create: UTC instants, how many patients it takes, and its session."""

    start: datetime
    end: datetime
    capacity: int
    session: str = ""

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; a time skipped by DST maps past the gap."""
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC interval of a whole local day."""
    return to_utc(day, time(0), zone), to_utc(day + timedelta(days=1), time(0), zone)


def slots_for_session(day: date, session: Session, zone: ZoneInfo) -> list[PlannedSlot]:
    """Tile the session's real interval with slots of ``slot_minutes``."""
    start = to_utc(day, session.start, zone)
    end = to_utc(day, session.end, zone)
    step = timedelta(minutes=session.slot_minutes)
    label = session.label
    slots = []
    while start + step <= end:
        slots.append(PlannedSlot(start, start + step, session.capacity, label))
        start += step
    return slots


def check_not_over(day: date, session: Session, zone: ZoneInfo, now: datetime) -> None:
    """A one-off session is for time still ahead: refuse one already over at ``now`` in the
    hospital's zone (every slot of it would be born 已过). One under way is allowed: its
    slots still to come take walk-ins, the ones begun are past as any other."""
    if to_utc(day, session.end, zone) <= now:
        raise Invalid("session_over", f"This session is already over ({day} {session.label}, "
                                      "hospital time).", field="start")


def plan_day(day: date, rules: Sequence[WeeklyRule], zone: ZoneInfo,
             leaves: Sequence[Leave] = (), taken: Sequence[tuple[datetime, datetime]] = ()
             ) -> list[PlannedSlot]:
    """The slots an expert's templates make on ``day``, less those inside leave (as for
    published slots: one the leave only overlaps is made) and times already taken."""
    away = [leave.window(zone) for leave in leaves if leave.day == day]
    planned = [slot for rule in rules if rule.applies_on(day)
               for slot in slots_for_session(day, rule.session, zone)]
    kept = [slot for slot in planned
            if not any(s <= slot.start and slot.end <= e for s, e in away)
            and not any(slot.overlaps(s, e) for s, e in taken)]
    return sorted(kept, key=lambda slot: slot.start)


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute
