"""``/api/v1/slots`` and ``/api/v1/publish``: published slots and publishing them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import ROLES, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, unprocessable

from ..config import runtime
from ..models import Slot
from ..ops.publishing import publish
from ..reads.hospital import hospital_zone, local_today
from ..reads.timetable import list_slots
from .schemas import SlotSchema

blp = Blueprint("slots", __name__, url_prefix=API_PREFIX,
                description="Published slots, and publishing templates into slots.")


class SlotQuery(Schema):
    expert_id = fields.Integer(validate=ID_RANGE)
    date = Day(metadata={"description": "YYYY-MM-DD in the hospital's time zone"})
    include_cancelled = fields.Boolean(load_default=False)


class PublishRequest(Schema):
    from_ = Day(data_key="from", load_default=None,
                        metadata={"description": "First date; default today"})
    days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=90),
                          metadata={"description": "How many days; default the horizon"})


class PublishResultSchema(Schema):
    from_ = Day(data_key="from", required=True)
    days = fields.Integer(required=True)
    published_days = fields.Integer(required=True,
                                    metadata={"description": "Expert-days published now"})
    slots_created = fields.Integer(required=True)


def slot_views(slots: Iterable[Slot], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Slots with their times in the hospital's zone."""
    return [{"slot_id": s.id, "expert_id": s.expert_id, "date": s.day,
             "start": s.start_at.astimezone(zone), "end": s.end_at.astimezone(zone),
             "capacity": s.capacity, "session": s.session, "status": s.status,
             "origin": s.origin,
             "cancel_reason": s.cancel_reason} for s in slots]


@blp.route("/slots")
class Slots(MethodView):
    @roles_required(*ROLES)
    @blp.arguments(SlotQuery, location="query")
    @blp.response(200, SlotSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Published slots of an expert and/or a date."""
        rt = runtime()
        if query.get("expert_id") is None and query.get("date") is None:
            unprocessable("date", "Give an expert_id, a date, or both.", location="query")
        with rt.db.reading() as session:
            zone = hospital_zone(session, rt.settings.default_time_zone)
            slots = list_slots(session, expert_id=query.get("expert_id"),
                                         day=query.get("date"),
                                         include_cancelled=query["include_cancelled"])
            return slot_views(slots, zone)


@blp.route("/publish")
class Publish(MethodView):
    @roles_required("admin")
    @blp.arguments(PublishRequest)
    @blp.response(200, PublishResultSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Publish templates into slots for a range of dates; calling it again changes nothing."""
        rt = runtime()
        with rt.db.reading() as session:
            today = local_today(hospital_zone(session, rt.settings.default_time_zone), rt.now())
        start: date = data["from_"] or today
        if start < today:
            unprocessable("from", "Publishing starts today or later.")
        days = data["days"] or rt.settings.publish_horizon_days
        result = publish(rt.db.transaction, start, days, rt.settings.default_time_zone, rt.now())
        return {"from_": start, "days": days, "published_days": result.days,
                "slots_created": result.slots}
