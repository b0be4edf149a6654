"""When the follow-up desk may call, and what a call leads to: the rules that keep it honest.

Calls only inside calling hours (default 09:00–20:00 hospital time); after an
unanswered call the next waits at least two hours, moved into calling hours; after
``max_attempts`` unanswered calls the task closes as ``unreached``. A do-not-call
closes it and every later task for that phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.common.desk import Desk
from services.common.refusals import Invalid

from .objections import STANDARD
from .statuses import CLOSES, UNANSWERED, Outcome, TaskStatus


@dataclass(frozen=True)
class CallingHours:
    """The hours of each day (hospital time) in which patients may be called."""

    start: time = time(9, 0)
    end: time = time(20, 0)

    def next_time(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` if it falls in calling hours, else the start of the next ones (UTC)."""
        local = moment.astimezone(zone)
        if self.start <= local.time() < self.end:
            return moment
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return self.opens(day, zone)

    def opens(self, day: date, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        return self.start <= moment.astimezone(zone).time() < self.end


@dataclass(frozen=True)
class CallRules:
    max_attempts: int = 3
    spacing: timedelta = timedelta(hours=2)
    hours: CallingHours = CallingHours()
    claim: timedelta = timedelta(minutes=15)
    enquiry_wait: timedelta = timedelta(hours=24)
    #: A satisfaction call opens when calling hours open this many hospital days after
    #: the check-in (the day after, unless the hospital says otherwise).
    satisfaction_after: int = 1
    #: The objections a declined call may record: the fixed list and the hospital's own.
    objections: tuple[str, ...] = STANDARD


#: The circumstances of one piece of follow-up work: who, when, the hospital's zone and
#: facts, under the desk's calling rules.
FollowupDesk = Desk[CallRules]


@dataclass(frozen=True)
class AfterCall:
    """What a logged call leaves the task as."""

    status: TaskStatus
    unanswered: int  # unanswered attempts so far
    due_at: datetime | None  # when to call next, while it stays open
    redial: bool = False  # a dropped call: one immediate redial, not yet an attempt


def after_call(rules: CallRules, zone: ZoneInfo, now: datetime, unanswered: int,
               outcome: Outcome, call_back_at: datetime | None = None, *,
               redialling: bool = False) -> AfterCall:
    """The task after a call with ``outcome``; a call-back without a time or in the past
    is :class:`Invalid`.

    A ``dropped`` call may be redialled at once, once (``redialling`` is that redial): the
    drop and its redial are one attempt, counted only when the redial is not answered (or
    drops too — there is no second immediate redial)."""
    if outcome == Outcome.DROPPED and not redialling:
        return AfterCall(TaskStatus.OPEN, unanswered, now, redial=True)
    if outcome in UNANSWERED or outcome == Outcome.DROPPED:
        unanswered += 1
        if unanswered >= rules.max_attempts:
            return AfterCall(TaskStatus.UNREACHED, unanswered, None)
        return AfterCall(TaskStatus.OPEN, unanswered,
                         rules.hours.next_time(now + rules.spacing, zone))
    if outcome == Outcome.CALL_BACK:
        if call_back_at is None:
            raise Invalid("call_back_at_required", "Say when to call back.")
        if call_back_at <= now:
            raise Invalid("call_back_in_the_past", "The call-back time has passed.")
        return AfterCall(TaskStatus.OPEN, unanswered, rules.hours.next_time(call_back_at, zone))
    return AfterCall(CLOSES[outcome], unanswered, None)


def call_seconds(started: datetime | None, ended: datetime) -> int | None:
    """How long a call lasted, in whole seconds; unknown when the call button was not
    pressed (or its start came after the end: a clock moved back)."""
    if started is None or started > ended:
        return None
    return int((ended - started).total_seconds())


def median(values: list[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); none of
    nothing. Call lengths are skewed by the odd long call, so the median, not the mean."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def first_due(rules: CallRules, zone: ZoneInfo, now: datetime) -> datetime:
    """A new task is due at once, or when calling hours next begin."""
    return rules.hours.next_time(now, zone)
