"""``/outbox``: the dev outbox page — the SMS and emails the embedded default "sent"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from services.common.auth import ROLES
from services.common.pages import page
from services.common.web import runtime

from ..models import DevOutboxItem, hospital_zone
from .messages import masked

pages = Blueprint("outbox_pages", __name__)


@pages.get("/outbox")
@page(*ROLES)
def outbox() -> Any:
    """Newest first, times on the hospital's clock, recipients masked as in every list;
    only outside production, where nothing here reaches a patient."""
    rt = runtime()
    if rt.settings.is_production:
        abort(404)
    with rt.db.reading() as session:
        zone = hospital_zone(session, rt.settings.default_time_zone)
        items = [{"channel": item.channel, "to": masked(item.channel, item.recipient),
                  "at": item.created_at.astimezone(zone), "subject": item.subject,
                  "body": item.body, "ics": bool(item.ics)}
                 for item in session.scalars(select(DevOutboxItem)
                                             .order_by(DevOutboxItem.id.desc()).limit(200))]
    return render_template("outbox.html", items=items)
