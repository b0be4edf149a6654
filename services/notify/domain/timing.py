"""When messages go: the reminder the day before, never inside quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


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


def reminder_time(visit_start: datetime, zone: ZoneInfo, hour: time,
                  quiet: QuietHours) -> datetime:
    """The day before the visit at ``hour`` (hospital time), moved out of quiet hours."""
    day_before = visit_start.astimezone(zone).date() - timedelta(days=1)
    planned = datetime.combine(day_before, hour, tzinfo=zone).astimezone(UTC)
    return quiet.next_allowed(planned, zone)
