"""An expert's weekly templates, leave, extra sessions and published slots."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.desk import Desk
from services.common.refusals import NotFound

from ..domain import slots as rules
from ..domain.statuses import SlotStatus
from ..models import ExtraSession, Leave, Slot, Template
from .directory import ExpertView, expert_view, the_expert


@dataclass(frozen=True)
class SlotView:
    """A slot, its times in the hospital's zone."""

    slot_id: int
    expert_id: int
    date: date
    start: datetime
    end: datetime
    capacity: int
    session: str
    status: str
    origin: str
    cancel_reason: str | None


@dataclass(frozen=True)
class TemplateView:
    id: int
    expert_id: int
    weekday: int
    start: time
    end: time
    slot_minutes: int
    capacity_per_slot: int
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class LeaveView:
    id: int
    day: date
    start: time | None
    end: time | None
    reason: str
    created_by: str


@dataclass(frozen=True)
class ExtraSessionView:
    id: int
    day: date
    start: time
    end: time
    slot_minutes: int
    capacity_per_slot: int
    reason: str
    slots: list[SlotView]


@dataclass(frozen=True)
class LeavePreview:
    """What recording a leave would cancel and keep, changing nothing."""

    expert: ExpertView
    date: date
    start: time | None
    end: time | None
    cancelled: list[SlotView]
    kept: list[SlotView]


@dataclass(frozen=True)
class DeactivationDay:
    date: date
    slots: int
    places: int
    sessions: list[str]


@dataclass(frozen=True)
class DeactivationPreview:
    """What deactivating an expert would cancel, by day, changing nothing."""

    expert: ExpertView
    places: int
    days: list[DeactivationDay]
    cancelled: list[SlotView]


def slot_views(slots: Iterable[Slot], zone: ZoneInfo) -> list[SlotView]:
    """Slots with their times in the hospital's zone."""
    return [SlotView(slot_id=s.id, expert_id=s.expert_id, date=s.day,
                     start=s.start_at.astimezone(zone), end=s.end_at.astimezone(zone),
                     capacity=s.capacity, session=s.session, status=s.status, origin=s.origin,
                     cancel_reason=s.cancel_reason) for s in slots]


def weekly_rule(template: Template) -> rules.WeeklyRule:
    return rules.WeeklyRule(
        weekday=template.weekday, valid_from=template.valid_from,
        valid_until=template.valid_until, id=template.id,
        session=rules.Session(template.start, template.end, template.slot_minutes,
                              template.capacity_per_slot),
    )


def template_view(template: Template) -> TemplateView:
    return TemplateView(id=template.id, expert_id=template.expert_id, weekday=template.weekday,
                        start=template.start, end=template.end,
                        slot_minutes=template.slot_minutes,
                        capacity_per_slot=template.capacity_per_slot,
                        valid_from=template.valid_from, valid_until=template.valid_until)


def leave_view(leave: Leave) -> LeaveView:
    return LeaveView(id=leave.id, day=leave.day, start=leave.start, end=leave.end,
                     reason=leave.reason, created_by=leave.created_by)


def expert_templates(session: Session, expert_id: int) -> list[Template]:
    query = (select(Template).where(Template.expert_id == expert_id)
             .order_by(Template.weekday, Template.start))
    return list(session.scalars(query))


def templates_of(session: Session, expert_id: int) -> list[TemplateView]:
    """The expert's weekly sessions (:class:`NotFound` for no such expert)."""
    the_expert(session, expert_id)
    return [template_view(t) for t in expert_templates(session, expert_id)]


def template(session: Session, template_id: int) -> TemplateView:
    found = session.get(Template, template_id)
    if found is None:
        raise NotFound("template")
    return template_view(found)


def the_template(session: Session, expert_id: int, template_id: int) -> Template:
    """The template, if it is this expert's; else :class:`NotFound`."""
    found = session.get(Template, template_id)
    if found is None or found.expert_id != expert_id:
        raise NotFound("template")
    return found


def active_slots(session: Session, expert_id: int, day: date) -> list[Slot]:
    return active_slots_between(session, expert_id, day, day + timedelta(days=1))


def active_slots_between(session: Session, expert_id: int, start: date,
                         end: date) -> list[Slot]:
    """The expert's active slots on the days from ``start`` up to (not including) ``end``."""
    return list(session.scalars(select(Slot).where(
        Slot.expert_id == expert_id, Slot.day >= start, Slot.day < end,
        Slot.status == SlotStatus.ACTIVE).order_by(Slot.day, Slot.start_at)))


def slots_not_over(session: Session, expert_id: int, now: datetime) -> list[Slot]:
    """The expert's active slots that have not ended: what deactivating them cancels."""
    return list(session.scalars(select(Slot).where(
        Slot.expert_id == expert_id, Slot.status == SlotStatus.ACTIVE, Slot.end_at > now)
        .order_by(Slot.day, Slot.start_at)))


def list_slots(session: Session, zone: ZoneInfo, *, expert_id: int | None, day: date | None,
               include_cancelled: bool = False) -> list[SlotView]:
    query = select(Slot).order_by(Slot.expert_id, Slot.start_at)
    if expert_id is not None:
        query = query.where(Slot.expert_id == expert_id)
    if day is not None:
        query = query.where(Slot.day == day)
    if not include_cancelled:
        query = query.where(Slot.status == SlotStatus.ACTIVE)
    return slot_views(session.scalars(query), zone)


def expert_leaves(session: Session, expert_id: int) -> list[LeaveView]:
    """The expert's recorded leave (:class:`NotFound` for no such expert)."""
    the_expert(session, expert_id)
    query = select(Leave).where(Leave.expert_id == expert_id).order_by(Leave.day, Leave.start)
    return [leave_view(row) for row in session.scalars(query)]


def leave(session: Session, leave_id: int) -> LeaveView:
    found = session.get(Leave, leave_id)
    if found is None:
        raise NotFound("leave")
    return leave_view(found)


def extra_session(session: Session, extra_id: int, zone: ZoneInfo) -> ExtraSessionView:
    """An extra session and the slots it published."""
    found = session.get(ExtraSession, extra_id)
    if found is None:
        raise NotFound("extra session")
    slots = session.scalars(select(Slot).where(Slot.extra_session_id == extra_id)
                            .order_by(Slot.start_at))
    return ExtraSessionView(id=found.id, day=found.day, start=found.start, end=found.end,
                            slot_minutes=found.slot_minutes,
                            capacity_per_slot=found.capacity_per_slot, reason=found.reason,
                            slots=slot_views(slots, zone))


def leave_preview(session: Session, expert_id: int, rule: rules.Leave,
                  zone: ZoneInfo) -> LeavePreview:
    """What recording this leave would cancel, and what it would keep."""
    rule.check()
    expert = the_expert(session, expert_id)
    cancelled, kept = rule.split(active_slots(session, expert_id, rule.day), zone)
    return LeavePreview(expert=expert_view(expert), date=rule.day, start=rule.start,
                        end=rule.end, cancelled=slot_views(cancelled, zone),
                        kept=slot_views(kept, zone))


def deactivation_preview(session: Session, expert_id: int,
                         desk: Desk[Any]) -> DeactivationPreview:
    """Every active slot of the expert not yet over, by day (none for an inactive one)."""
    expert = the_expert(session, expert_id)
    slots = slots_not_over(session, expert_id, desk.now) if expert.active else []
    days = [DeactivationDay(date=day, slots=len(of_day),
                            places=sum(slot.capacity for slot in of_day),
                            sessions=list(dict.fromkeys(slot.session for slot in of_day)))
            for day, of_day in ((day, list(group))
                                for day, group in groupby(slots, key=lambda slot: slot.day))]
    return DeactivationPreview(expert=expert_view(expert),
                               places=sum(slot.capacity for slot in slots), days=days,
                               cancelled=slot_views(slots, desk.zone))
