"""``/api/v1/funnel``: how many enquiries became bookings and arrivals (manager, admin;
a consultant, their own row)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import Day, day_span
from services.common.web import API_PREFIX, abort, reading, unprocessable

from ..domain.statuses import Outcome, TaskKind
from ..reads.funnel import (
    GROUPS,
    all_call_lengths,
    funnel,
    objection_counts,
    rates,
    talk,
    task_outcomes,
)
from ..reads.staff import staff_names
from .common import CALLERS, READERS

blp = Blueprint("funnel", __name__, url_prefix=API_PREFIX,
                description="The enquiry → booking → arrival funnel and what the calls "
                            "came to.")

LONGEST = timedelta(days=366)


class FunnelQuery(Schema):
    from_ = Day(data_key="from", metadata={"description": "first day (default: 29 days "
                                            "before 'to')"})
    to = Day(metadata={"description": "last day, hospital time (default: today)"})
    by = fields.String(load_default="consultant", validate=validate.OneOf(list(GROUPS)))


_CALLS = fields.Dict(keys=fields.String(validate=validate.OneOf([o.value for o in Outcome])),
                     values=fields.Integer(), metadata={"description": "calls by outcome"})


class FunnelRow(Schema):
    group = fields.String(required=True, metadata={
        "description": "the consultant's username, the channel or the department id"})
    name = fields.String(required=True)
    enquiries = fields.Integer(required=True)
    converted = fields.Integer(required=True, metadata={"description": "booked later"})
    arrived = fields.Integer(required=True, metadata={"description": "booked and came"})
    conversion_rate = fields.Float(allow_none=True, metadata={
        "description": "converted / enquiries"})
    arrival_rate = fields.Float(allow_none=True, metadata={
        "description": "arrived / converted"})
    calls = _CALLS
    calls_made = fields.Integer(metadata={"description": "calls, whatever their outcome"})
    timed_calls = fields.Integer(metadata={
        "description": "of those, started with the card's call button (their length known)"})
    median_seconds = fields.Float(allow_none=True, metadata={
        "description": "the median length of the timed calls, in seconds"})
    objections = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "declined calls by what the person said"})


class FunnelOut(Schema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    by = fields.String(required=True)
    rows = fields.List(fields.Nested(FunnelRow), required=True)
    total = fields.Nested(FunnelRow, required=True)
    tasks = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Integer()), metadata={
        "description": "tasks opened in the period, by kind, then by status"})


@blp.route("/funnel")
class Funnel(MethodView):
    @roles_required(*READERS, *CALLERS)
    @blp.arguments(FunnelQuery, location="query")
    @blp.response(200, FunnelOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Enquiries recorded in the period by consultant, channel or department; calls
        made in the period by outcome; tasks opened in the period by how they ended. A
        consultant reads their own work only: ``by=consultant``, one row, theirs (any
        other grouping is 403)."""
        principal = current_principal()
        own = not principal.has_any(READERS)
        if own and query["by"] != "consultant":
            abort(403, message="A consultant reads the funnel of their own work only "
                               "(by=consultant).")
        with reading() as w:
            session, here = w.session, w.desk
            last = query.get("to") or here.today
            first = query.get("from_") or last - timedelta(days=29)
            if last - first >= LONGEST:
                unprocessable("from", "Ask for at most a year at a time.", "query")
            if last < first:
                unprocessable("to", "'to' is before 'from'.", "query")
            after, before = day_span(first, last, here.zone)
            rows = funnel(session, after, before, query["by"])
            if query["by"] == "consultant":
                names = staff_names(session, (r["group"] for r in rows))
                rows = [{**r, "name": names.get(r["group"], r["name"])} for r in rows]
            if own:
                mine = [r for r in rows if r["group"] == principal.username] or [
                    {"group": principal.username, "name": principal.name or principal.username,
                     **rates(0, 0, 0), "calls": dict.fromkeys((o.value for o in Outcome), 0),
                     **talk([]), "objections": {}}]
                return {"from_": first, "to": last, "by": "consultant", "rows": mine,
                        "total": {**mine[0], "group": "", "name": "total"},
                        "tasks": {k.value: {} for k in TaskKind}}
            calls, tasks = task_outcomes(session, after, before)
            lengths = all_call_lengths(session, after, before)
            said = objection_counts(session, after, before, None).get(None, {})
        return {"from_": first, "to": last, "by": query["by"], "rows": rows,
                "total": total(rows, calls, lengths, said), "tasks": tasks}


def total(rows: list[dict[str, Any]], calls: dict[str, int], lengths: list[int | None],
          objections: dict[str, int]) -> dict[str, Any]:
    counts = (sum(r[k] for r in rows) for k in ("enquiries", "converted", "arrived"))
    return {"group": "", "name": "total", **rates(*counts), "calls": calls, **talk(lengths),
            "objections": objections}
