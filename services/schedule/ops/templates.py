"""Weekly templates: checked against the expert's others, then saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain import slots as rules
from ..models import Expert, Template
from ..reads.timetable import expert_templates, weekly_rule


def save_template(session: Session, expert: Expert, values: dict[str, Any], now: datetime,
                  template: Template | None = None) -> Template:
    """Create or change a template after checking it against the expert's others."""
    rule = rules.WeeklyRule(
        weekday=values["weekday"], valid_from=values["valid_from"],
        valid_until=values.get("valid_until"), id=template.id if template else None,
        session=rules.Session(values["start"], values["end"], values["slot_minutes"],
                              values["capacity_per_slot"]),
    ).check()
    rules.check_no_overlap(rule, [weekly_rule(t) for t in expert_templates(session, expert.id)])
    if template is None:
        template = Template(expert_id=expert.id, created_at=now)
        session.add(template)
    for name in ("weekday", "start", "end", "slot_minutes", "capacity_per_slot", "valid_from",
                 "valid_until"):
        setattr(template, name, values.get(name))
    template.updated_at = now
    session.flush()
    return template


def delete_template(session: Session, template: Template) -> None:
    """Published dates keep their slots; only dates not yet published change."""
    session.delete(template)
