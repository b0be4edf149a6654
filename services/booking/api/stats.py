"""``/api/v1/stats``: the manager's counts per consultant, channel, department or expert."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.fields import Day
from services.common.web import API_PREFIX, unprocessable

from ..config import runtime
from ..reads.stats import STATS_GROUPS, stats

blp = Blueprint("stats", __name__, url_prefix=API_PREFIX,
                description="Counts for managers.")

STATS_READERS = ("manager", "admin")


class StatsQuery(Schema):
    from_ = Day(data_key="from", required=True)
    to = Day(required=True)
    by = fields.String(load_default="expert", validate=validate.OneOf(list(STATS_GROUPS)))


class StatsRow(Schema):
    group = fields.String(required=True)
    name = fields.String()
    booked = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    arrival_rate = fields.Float(allow_none=True, metadata={
        "description": "arrived / (arrived + no_show); null before any visit is decided"})


@blp.route("/stats")
class Stats(MethodView):
    @roles_required(*STATS_READERS)
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsRow(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Booked, cancelled, arrived, no-show and arrival rate by consultant, channel,
        department or expert, for visits between two dates."""
        if query["to"] < query["from_"]:
            unprocessable("to", "'to' is before 'from'.", "query")
        if query["to"] - query["from_"] > timedelta(days=366):
            unprocessable("to", "At most a year at a time.", "query")
        with runtime().db.reading() as session:
            return stats(session, query["from_"], query["to"], query["by"])
