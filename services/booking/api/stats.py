"""``/api/v1/stats``: the manager's counts per consultant, channel, department or expert."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.fields import Day
from services.common.web import API_PREFIX, reading, unprocessable

from ..reads.stats import BASES, STATS_GROUPS, daily, no_show_rate, stats
from .csv_files import CHANNEL_WORDS, Words, csv_download, percent, word

blp = Blueprint("stats", __name__, url_prefix=API_PREFIX,
                description="Counts for managers.")

STATS_READERS = ("manager", "admin")
BASIS = fields.String(load_default="visit", validate=validate.OneOf(BASES), metadata={
    "description": "count by visit date (visit) or by the day the booking was made (booked)"})


class DaysQuery(Schema):
    from_ = Day(data_key="from", required=True)
    to = Day(required=True)
    basis = BASIS


class StatsQuery(DaysQuery):
    by = fields.String(load_default="expert", validate=validate.OneOf(list(STATS_GROUPS)))


class StatsRow(Schema):
    group = fields.String(required=True)
    name = fields.String()
    booked = fields.Integer(required=True, metadata={
        "description": "appointments not cancelled (arrived and no-shows included), as on "
                       "the roster"})
    cancelled = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    arrival_rate = fields.Float(allow_none=True, metadata={
        "description": "arrived / (arrived + no_show); null before any visit is decided"})
    capacity = fields.Integer(allow_none=True, metadata={
        "description": "places offered in those days (experts and departments, by visit)"})
    utilisation = fields.Float(allow_none=True, metadata={"description": "booked / capacity"})


class DayRow(Schema):
    date = Day(required=True)
    booked = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    no_show = fields.Integer(required=True)


def _checked(query: dict[str, Any]) -> None:
    if query["to"] < query["from_"]:
        unprocessable("to", "'to' is before 'from'.", "query")
    if query["to"] - query["from_"] > timedelta(days=366):
        unprocessable("to", "At most a year at a time.", "query")


def _stats(query: dict[str, Any]) -> list[dict[str, Any]]:
    _checked(query)
    with reading() as w:
        return stats(w.session, query["from_"], query["to"], query["by"], query["basis"],
                     w.desk.zone)


@blp.route("/stats")
class Stats(MethodView):
    @roles_required(*STATS_READERS)
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsRow(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Booked, cancelled, arrived, no-show, arrival rate and utilisation by consultant,
        channel, department or expert, by visit date or by booking date."""
        return _stats(query)


STATS_COLUMNS = ("name", "booked", "cancelled", "arrived", "no_show", "arrival_rate",
                 "capacity", "utilisation")
#: The CSV's header for each column, as the statistics page heads it: the group by its
#: name (an expert's, a department's, a consultant's display name, a channel's word).
STATS_HEADERS = {
    "name": Words("分组", "Group"),
    "booked": Words("预约数", "Booked"), "cancelled": Words("取消", "Cancelled"),
    "arrived": Words("到诊", "Arrived"), "no_show": Words("爽约", "No-show"),
    "arrival_rate": Words("到诊率", "Arrival rate"), "capacity": Words("放出的号", "Places"),
    "utilisation": Words("号源利用率", "Utilisation"),
}
#: After the name, what tells two of the same name apart, headed as what it is; a
#: channel's word is all there is to say of a channel.
GROUP_ID_HEADERS = {
    "expert": Words("专家编号", "Expert ID"), "department": Words("科室编号", "Department ID"),
    "consultant": Words("账号", "Username"),
}
PERCENTAGES = ("arrival_rate", "utilisation")


def csv_headers(by: str) -> list[Words]:
    heads = [STATS_HEADERS[column] for column in STATS_COLUMNS]
    return [*heads[:1], GROUP_ID_HEADERS[by], *heads[1:]] if by in GROUP_ID_HEADERS else heads


def csv_row(row: dict[str, Any], by: str) -> list[Any]:
    """A row of the table for the CSV: the group by its name (then its id, where it has
    one), rates as percentages, a channel by its word."""
    shown = {**row, **{rate: percent(row[rate]) for rate in PERCENTAGES}}
    if by == "channel":
        shown["name"] = word(CHANNEL_WORDS, row["group"])
    cells = [shown[column] for column in STATS_COLUMNS]
    return [*cells[:1], row["group"], *cells[1:]] if by in GROUP_ID_HEADERS else cells


@blp.route("/stats.csv")
class StatsCsv(MethodView):
    @roles_required(*STATS_READERS)
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, query: dict[str, Any]) -> Response:
        """The same table as a CSV file (with a BOM, formulas made plain text), in the
        page's language."""
        rows = (csv_row(row, query["by"]) for row in _stats(query))
        return csv_download(csv_headers(query["by"]), rows,
                            f"stats-{query['by']}-{query['from_']}-{query['to']}.csv")


@blp.route("/stats/daily")
class StatsDaily(MethodView):
    @roles_required(*STATS_READERS)
    @blp.arguments(DaysQuery, location="query")
    @blp.response(200, DayRow(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Each day of the range: booked, cancelled, arrived, no-show (the trend chart)."""
        _checked(query)
        with reading() as w:
            return daily(w.session, query["from_"], query["to"], query["basis"], w.desk.zone)


class NoShowRow(Schema):
    expert_id = fields.Integer(required=True)
    name = fields.String(required=True)
    decided = fields.Integer(required=True, metadata={"description": "visits arrived or missed"})
    no_show = fields.Integer(required=True)
    no_show_rate = fields.Float(required=True, metadata={"description": "no_show / decided"})


@blp.route("/stats/no-show-rate")
class NoShowRate(MethodView):
    @roles_required(*STATS_READERS)
    @blp.arguments(DaysQuery, location="query")
    @blp.response(200, NoShowRow(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The share of decided visits not attended, per expert, by visit date."""
        _checked(query)
        with reading() as w:
            return no_show_rate(w.session, query["from_"], query["to"])
