"""``/api/v1/roster`` and ``/api/v1/stats``: the front desk's day and the manager's counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, runtime, unprocessable

from ..desk import open_desk
from ..roster import STATS_GROUPS, roster, roster_csv, stats

blp = Blueprint("roster", __name__, url_prefix=API_PREFIX,
                description="The day's roster for the front desk; counts for managers.")

ROSTER_READERS = ("frontdesk", "manager", "admin")
STATS_READERS = ("manager", "admin")


class RosterQuery(Schema):
    date = Day(load_default=None, metadata={"description": "Default: today"})
    department_id = fields.Integer(validate=ID_RANGE)
    expert_id = fields.Integer(validate=ID_RANGE)


class Counts(Schema):
    booked = fields.Integer()
    arrived = fields.Integer()
    waiting = fields.Integer()
    no_show = fields.Integer()
    cancelled = fields.Integer()
    overbooked = fields.Integer()
    remaining = fields.Integer()


class RosterLine(Schema):
    id = fields.Integer()
    code = fields.String()
    queue_number = fields.Integer()
    slot_start = fields.DateTime()
    status = fields.String()
    patient_name = fields.String()
    phone = fields.String(metadata={"description": "masked: only the last four digits"})
    channel = fields.String()
    overbooked = fields.Boolean()
    overbook_reason = fields.String(allow_none=True)
    complaint = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)


class RosterSession(Schema):
    session = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    counts = fields.Nested(Counts)
    appointments = fields.List(fields.Nested(RosterLine))


class RosterExpert(Schema):
    expert = fields.Dict()
    department = fields.Dict(allow_none=True)
    sessions = fields.List(fields.Nested(RosterSession))


class RosterSchema(Schema):
    date = Day(required=True)
    time_zone = fields.String()
    counts = fields.Nested(Counts)
    experts = fields.List(fields.Nested(RosterExpert))


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


def _roster(query: dict[str, Any]) -> dict[str, Any]:
    rt = runtime()
    with rt.db.reading() as session:
        desk = open_desk(session, rt.settings, current_principal().username)
        return roster(session, desk, query["date"] or desk.today, query.get("department_id"),
                      query.get("expert_id"))


@blp.route("/roster")
class Roster(MethodView):
    @roles_required(*ROSTER_READERS)
    @blp.arguments(RosterQuery, location="query")
    @blp.response(200, RosterSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """A day's patients by expert and session in queue order, phones masked."""
        return _roster(query)


@blp.route("/roster.csv")
class RosterCsv(MethodView):
    @roles_required(*ROSTER_READERS)
    @blp.arguments(RosterQuery, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, query: dict[str, Any]) -> Response:
        """The same roster as a CSV file."""
        view = _roster(query)
        name = f"roster-{view['date'].isoformat()}.csv"
        return Response(roster_csv(view), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
