"""``/api/v1/slots`` and ``/api/v1/publish``: published slots and publishing them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.tokens import STAFF_ROLES
from services.common.web import API_PREFIX, reading, unprocessable

from ..config import runtime
from ..ops.publishing import PublishResult, publish
from ..reads.timetable import SlotView, list_slots
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
    from_ = Day(data_key="from", required=True, attribute="start")
    days = fields.Integer(required=True, attribute="count")
    published_days = fields.Integer(required=True, attribute="days",
                                    metadata={"description": "Expert-days published now"})
    slots_created = fields.Integer(required=True, attribute="slots")


@blp.route("/slots")
class Slots(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.arguments(SlotQuery, location="query")
    @blp.response(200, SlotSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[SlotView]:
        """Published slots of an expert and/or a date."""
        if query.get("expert_id") is None and query.get("date") is None:
            unprocessable("date", "Give an expert_id, a date, or both.", location="query")
        with reading() as w:
            return list_slots(w.session, w.desk.zone, expert_id=query.get("expert_id"),
                              day=query.get("date"), include_cancelled=query["include_cancelled"])


@blp.route("/publish")
class Publish(MethodView):
    @roles_required("admin")
    @blp.arguments(PublishRequest)
    @blp.response(200, PublishResultSchema)
    def post(self, data: dict[str, Any]) -> PublishResult:
        """Publish templates into slots for a range of dates; calling it again changes nothing."""
        # One unit of work per expert (ops.publishing): the operation opens them itself.
        return publish(runtime(), data["from_"], data["days"], by=current_principal().username)
