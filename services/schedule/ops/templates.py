"""Weekly templates: checked against the expert's others, then saved."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from services.common.unit_of_work import Work

from ..domain import slots as rules
from ..models import Template
from ..reads.directory import the_expert
from ..reads.timetable import expert_templates, the_template, weekly_rule


def save_template(work: Work[Any], expert_id: int, *, weekday: int, start: time, end: time,
                  slot_minutes: int, capacity_per_slot: int, valid_from: date | None = None,
                  valid_until: date | None = None, template_id: int | None = None) -> int:
    """Create (or, given ``template_id``, change) a template after checking it against the
    expert's others; it applies from ``valid_from``, the hospital's today when None.
    Returns its id."""
    session, desk = work.session, work.desk
    expert = the_expert(session, expert_id)
    template = the_template(session, expert_id, template_id) if template_id is not None else None
    rule = rules.WeeklyRule(
        weekday=weekday, valid_from=valid_from or desk.today, valid_until=valid_until,
        id=template_id, session=rules.Session(start, end, slot_minutes, capacity_per_slot),
    ).check()
    rules.check_no_overlap(rule, [weekly_rule(t) for t in expert_templates(session, expert.id)])
    if template is None:
        template = Template(expert_id=expert.id, created_at=desk.now)
        session.add(template)
    template.weekday, template.start, template.end = weekday, start, end
    template.slot_minutes, template.capacity_per_slot = slot_minutes, capacity_per_slot
    template.valid_from, template.valid_until = rule.valid_from, valid_until
    template.updated_at = desk.now
    session.flush()
    return template.id


def delete_template(work: Work[Any], expert_id: int, template_id: int) -> None:
    """Published dates keep their slots; only dates not yet published change."""
    work.session.delete(the_template(work.session, expert_id, template_id))
