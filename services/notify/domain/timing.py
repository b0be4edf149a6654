"""When messages go: the reminder the day before, never inside quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: A reminder goes at least this long after the booking: a reminder a few minutes after
#: the confirmation tells the patient nothing new.
REMINDER_GAP = timedelta(hours=1)
#: The evening reminder goes this long before the quiet hours begin (20:00 before 21:00).
EVENING_LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (default 21:00–08:00 hospital time) in which reminders wait."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself, or the end of the quiet hours it falls in (UTC)."""
        local = moment.astimezone(zone)
        if not self.contains(local.time()):
            return moment
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)

    def evening(self, day: date, zone: ZoneInfo) -> datetime:
        """The last allowed hour of ``day`` before the quiet hours begin (20:00 with the
        defaults), or the start of the day's allowed hours when they are shorter (UTC)."""
        at = datetime.combine(day, self.start, tzinfo=zone) - EVENING_LEAD
        if at.date() != day or self.contains(at.time()):
            at = datetime.combine(day, self.end, tzinfo=zone)
        return at.astimezone(UTC)


def reminder_time(visit_start: datetime, zone: ZoneInfo, hour: time, quiet: QuietHours,
                  booked_at: datetime) -> datetime | None:
    """When the reminder of a visit booked at ``booked_at`` goes (UTC), or None.

    1. The day before the visit at ``hour`` (hospital time). If that falls in quiet hours
       it moves to the nearest allowed time of that same day: the end of the night's quiet
       hours for a morning hour, the evening (an hour before they begin) for a late one —
       never into the visit's own morning, where an 08:00 visit's reminder would meet the
       visit and be dropped.
    2. If that is already past (or within :data:`REMINDER_GAP` of the booking), the
       evening before the visit, when that is still ahead.
    3. Otherwise none: the booking's confirmation has only just gone.
    """
    day_before = visit_start.astimezone(zone).date() - timedelta(days=1)
    planned = datetime.combine(day_before, hour, tzinfo=zone).astimezone(UTC)
    evening = quiet.evening(day_before, zone)
    if quiet.contains(hour):
        late = quiet.start > quiet.end and hour >= quiet.start
        planned = evening if late else quiet.next_allowed(planned, zone)
    for at in (planned, evening):
        local = at.astimezone(zone)
        if (booked_at + REMINDER_GAP <= at < visit_start and local.date() == day_before
                and not quiet.contains(local.time())):
            return at
    return None
