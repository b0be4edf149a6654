"""``/api/v1/satisfaction``: what patients said on their satisfaction call-backs, by
expert and department (manager, admin), with the count behind every average."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.auth import roles_required
from services.common.fields import Day, day_span
from services.common.web import API_PREFIX, reading, unprocessable

from ..reads.satisfaction import satisfaction
from .common import READERS

blp = Blueprint("satisfaction", __name__, url_prefix=API_PREFIX,
                description="Satisfaction call-backs after a visit: the results.")

LONGEST = timedelta(days=366)


class RangeQuery(Schema):
    from_ = Day(data_key="from", metadata={"description": "first day (default: 89 days "
                                            "before 'to')"})
    to = Day(metadata={"description": "last day, hospital time (default: today)"})


class Averages(Schema):
    explanation = fields.Float(allow_none=True, metadata={
        "description": "the expert's explanation, 1–5"})
    waiting = fields.Float(allow_none=True, metadata={"description": "the waiting time, 1–5"})
    overall = fields.Float(allow_none=True, metadata={"description": "the visit overall, 1–5"})


class ResultRow(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "the expert's or "
                                                   "department's id"})
    name = fields.String(required=True)
    department = fields.String()
    n = fields.Integer(required=True, metadata={"description": "answered calls: the count "
                                                "behind each average"})
    refused = fields.Integer()
    unreached = fields.Integer()
    small = fields.Boolean(metadata={"description": "fewer than 5 answers: a small sample"})
    averages = fields.Nested(Averages)


class SatisfactionOut(Schema):
    from_ = Day(data_key="from")
    to = Day()
    by_expert = fields.List(fields.Nested(ResultRow))
    by_department = fields.List(fields.Nested(ResultRow))
    total = fields.List(fields.Nested(ResultRow))


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @roles_required(*READERS)
    @blp.arguments(RangeQuery, location="query")
    @blp.response(200, SatisfactionOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The satisfaction tasks closed in the period, by the visit's expert and
        department: answered (``n``), refused, not reached, and each question's average."""
        with reading() as w:
            last = query.get("to") or w.desk.today
            first = query.get("from_") or last - timedelta(days=89)
            if last - first >= LONGEST:
                unprocessable("from", "Ask for at most a year at a time.", "query")
            if last < first:
                unprocessable("to", "'to' is before 'from'.", "query")
            after, before = day_span(first, last, w.desk.zone)
            return {"from_": first, "to": last, **satisfaction(w.session, after, before)}
