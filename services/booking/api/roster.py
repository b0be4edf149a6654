"""``/api/v1/roster``: the front desk's day, as JSON and as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, reading

from ..domain.privacy import sees_contact
from ..reads.roster import roster
from .csv_files import CHANNEL_WORDS, STATUS_WORDS, YES, Words, csv_download, said, word

blp = Blueprint("roster", __name__, url_prefix=API_PREFIX,
                description="The day's roster for the front desk.")

ROSTER_READERS = ("frontdesk", "manager", "admin")


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
    phone = fields.String(metadata={
        "description": "masked: the first three and last four digits (138****8000)"})
    channel = fields.String()
    overbooked = fields.Boolean()
    overbook_reason = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True, metadata={
        "description": "patient, hospital or expert_unavailable (停诊)"})
    complaint = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)


class RosterSession(Schema):
    session = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    counts = fields.Nested(Counts)
    stopped_slots = fields.Integer(metadata={"description": "slots of the session under 停诊"})
    stop_reason = fields.String(metadata={"description": "why, as the leave was recorded"})
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


def _roster(query: dict[str, Any]) -> dict[str, Any]:
    with reading() as w:
        return roster(w.session, w.desk, query["date"] or w.desk.today,
                      query.get("department_id"), query.get("expert_id"),
                      complaints=sees_contact(current_principal().roles))


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
        return csv_download(CSV_COLUMNS, roster_rows(view),
                            f"roster-{view['date'].isoformat()}.csv")


CSV_COLUMNS = (
    Words("日期", "Date"), Words("科室", "Department"), Words("专家", "Expert"),
    Words("时段", "Session"), Words("序号", "No."), Words("时间", "Time"),
    Words("预约码", "Code"), Words("患者", "Patient"), Words("手机", "Phone"),
    Words("状态", "Status"), Words("渠道", "Channel"), Words("加号", "Extra place"))


def roster_rows(view: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The roster's lines for the CSV (phones masked), statuses and channels in words."""
    return (
        (view["date"].isoformat(), (block["department"] or {}).get("name", ""),
         block["expert"]["name"], entry["session"], line["queue_number"],
         line["slot_start"].strftime("%H:%M"), line["code"], line["patient_name"],
         line["phone"], word(STATUS_WORDS, line["status"]), word(CHANNEL_WORDS, line["channel"]),
         said(YES) if line["overbooked"] else "")
        for block in view["experts"] for entry in block["sessions"]
        for line in entry["appointments"])
