"""The enquiry → booking → arrival funnel, per consultant, channel or department."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.calling import call_seconds, median
from ..domain.statuses import Outcome, TaskKind
from ..models import CallAttempt, Department, Enquiry, Task

GROUPS = {"consultant": Enquiry.recorded_by, "channel": Enquiry.channel,
          "department": Enquiry.department_id}


def funnel(session: Session, after: datetime, before: datetime, by: str) -> list[dict[str, Any]]:
    """Enquiries recorded in the period: how many, how many were booked (converted), how
    many of those came (arrived), and the calls about them by outcome. By consultant,
    the calls are those the consultant made in the period, about anything."""
    key: Any = GROUPS[by]
    counts: dict[Any, tuple[int, int, int]] = {
        group: (n, converted, arrived) for group, n, converted, arrived in session.execute(
            select(key, func.count(), func.count(Enquiry.converted_at),
                   func.count(Enquiry.arrived_at))
            .where(Enquiry.created_at >= after, Enquiry.created_at < before)
            .group_by(key)).all()}
    calls: Any = (
        select(CallAttempt.by, CallAttempt.outcome, func.count())
        .where(CallAttempt.at >= after, CallAttempt.at < before)
        .group_by(CallAttempt.by, CallAttempt.outcome)
        if by == "consultant" else
        select(key, CallAttempt.outcome, func.count())
        .join(Task, Task.id == CallAttempt.task_id)
        .join(Enquiry, Enquiry.id == Task.enquiry_id)
        .where(Enquiry.created_at >= after, Enquiry.created_at < before)
        .group_by(key, CallAttempt.outcome))
    outcomes: dict[Any, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((o.value for o in Outcome), 0))
    for group, outcome, n in session.execute(calls).all():
        outcomes[group][outcome] = n
    names: dict[Any, str] = ({d.id: d.name for d in session.scalars(select(Department))}
                             if by == "department" else {})
    lengths = call_lengths(session, after, before, by)
    objections = objection_counts(session, after, before, by)
    rows = []
    for group in sorted(set(counts) | set(outcomes), key=lambda g: (g is None, str(g))):
        enquiries, converted, arrived = counts.get(group, (0, 0, 0))
        label = "" if group is None else str(group)
        rows.append({"group": label, "name": names.get(group, label),
                     **rates(enquiries, converted, arrived), "calls": outcomes[group],
                     **talk(lengths.get(group, [])),
                     "objections": objections.get(group, {})})
    return rows


def objection_counts(session: Session, after: datetime, before: datetime,
                     by: str | None) -> dict[Any, dict[str, int]]:
    """Declined calls by what the person said, per group as :func:`call_lengths` groups
    calls (``by`` none: every call made in the period, under the key ``None``)."""
    key: Any = CallAttempt.by if by == "consultant" else GROUPS[by] if by else None
    columns = ([key] if key is not None else []) + [CallAttempt.objection, func.count()]
    statement: Any = select(*columns).where(CallAttempt.objection.is_not(None))
    if by in (None, "consultant"):
        statement = statement.where(CallAttempt.at >= after, CallAttempt.at < before)
    else:
        statement = (statement.join(Task, Task.id == CallAttempt.task_id)
                     .join(Enquiry, Enquiry.id == Task.enquiry_id)
                     .where(Enquiry.created_at >= after, Enquiry.created_at < before))
    statement = statement.group_by(*columns[:-1])
    counts: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in session.execute(statement):
        group = row[0] if key is not None else None
        counts[group][row[-2]] = row[-1]
    return counts


def talk(lengths: list[int | None]) -> dict[str, Any]:
    """How many calls, and the median length of those whose start is known."""
    known = [n for n in lengths if n is not None]
    return {"calls_made": len(lengths), "timed_calls": len(known),
            "median_seconds": median(known)}


def call_lengths(session: Session, after: datetime, before: datetime,
                 by: str) -> dict[Any, list[int | None]]:
    """Each call's length (none when the call button was not pressed) by the funnel's
    group: by consultant the calls they made in the period, else the calls about the
    period's enquiries."""
    key: Any = CallAttempt.by if by == "consultant" else GROUPS[by]
    statement: Any = select(key, CallAttempt.started_at, CallAttempt.at)
    if by == "consultant":
        statement = statement.where(CallAttempt.at >= after, CallAttempt.at < before)
    else:
        statement = (statement.join(Task, Task.id == CallAttempt.task_id)
                     .join(Enquiry, Enquiry.id == Task.enquiry_id)
                     .where(Enquiry.created_at >= after, Enquiry.created_at < before))
    lengths: dict[Any, list[int | None]] = defaultdict(list)
    for group, start, end in session.execute(statement):
        lengths[group].append(call_seconds(start, end))
    return lengths


def all_call_lengths(session: Session, after: datetime, before: datetime) -> list[int | None]:
    """Every call made in the period, for the funnel's total."""
    return [call_seconds(start, end) for start, end in session.execute(
        select(CallAttempt.started_at, CallAttempt.at)
        .where(CallAttempt.at >= after, CallAttempt.at < before))]


def rates(enquiries: int, converted: int, arrived: int) -> dict[str, Any]:
    """The counts of one row of the funnel and its two rates (none without a base)."""
    return {"enquiries": enquiries, "converted": converted, "arrived": arrived,
            "conversion_rate": round(converted / enquiries, 4) if enquiries else None,
            "arrival_rate": round(arrived / converted, 4) if converted else None}


def task_outcomes(session: Session, after: datetime,
                  before: datetime) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Every call made in the period by outcome (any kind of task), and the tasks opened
    in the period by kind and status."""
    calls = dict.fromkeys((o.value for o in Outcome), 0)
    for outcome, n in session.execute(
            select(CallAttempt.outcome, func.count())
            .where(CallAttempt.at >= after, CallAttempt.at < before)
            .group_by(CallAttempt.outcome)):
        calls[outcome] = n
    tasks: dict[str, dict[str, int]] = {k.value: {} for k in TaskKind}
    for kind, status, n in session.execute(
            select(Task.kind, Task.status, func.count())
            .where(Task.created_at >= after, Task.created_at < before)
            .group_by(Task.kind, Task.status)):
        tasks[kind][status] = n
    return calls, tasks
