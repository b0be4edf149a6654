"""An expert's weekly templates, leave and published slots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import slots as rules
from ..domain.statuses import SlotStatus
from ..models import Leave, Slot, Template


def weekly_rule(template: Template) -> rules.WeeklyRule:
    return rules.WeeklyRule(
        weekday=template.weekday, valid_from=template.valid_from,
        valid_until=template.valid_until, id=template.id,
        session=rules.Session(template.start, template.end, template.slot_minutes,
                              template.capacity_per_slot),
    )


def expert_templates(session: Session, expert_id: int) -> list[Template]:
    query = (select(Template).where(Template.expert_id == expert_id)
             .order_by(Template.weekday, Template.start))
    return list(session.scalars(query))


def get_template(session: Session, expert_id: int, template_id: int) -> Template | None:
    """The template, if it is this expert's."""
    template = session.get(Template, template_id)
    return template if template is not None and template.expert_id == expert_id else None


def active_slots(session: Session, expert_id: int, day: date) -> list[Slot]:
    return list(session.scalars(select(Slot).where(
        Slot.expert_id == expert_id, Slot.day == day, Slot.status == SlotStatus.ACTIVE)
        .order_by(Slot.start_at)))


def slots_not_over(session: Session, expert_id: int, now: datetime) -> list[Slot]:
    """The expert's active slots that have not ended: what deactivating them cancels."""
    return list(session.scalars(select(Slot).where(
        Slot.expert_id == expert_id, Slot.status == SlotStatus.ACTIVE, Slot.end_at > now)
        .order_by(Slot.day, Slot.start_at)))


def list_slots(session: Session, *, expert_id: int | None, day: date | None,
               include_cancelled: bool = False) -> list[Slot]:
    query = select(Slot).order_by(Slot.expert_id, Slot.start_at)
    if expert_id is not None:
        query = query.where(Slot.expert_id == expert_id)
    if day is not None:
        query = query.where(Slot.day == day)
    if not include_cancelled:
        query = query.where(Slot.status == SlotStatus.ACTIVE)
    return list(session.scalars(query))


def expert_leaves(session: Session, expert_id: int, start: date | None = None) -> list[Leave]:
    query = select(Leave).where(Leave.expert_id == expert_id).order_by(Leave.day, Leave.start)
    if start is not None:
        query = query.where(Leave.day >= start)
    return list(session.scalars(query))
