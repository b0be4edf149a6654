"""``/api/v1/availability`` and ``/api/v1/departments``: who has room, for the console."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, reading, unprocessable

from ..domain.availability import DayState, SlotState
from ..reads.availability import (
    active_departments,
    availability,
    day_strip,
    next_available,
)
from ..reads.polls import polled_counts

blp = Blueprint("availability", __name__, url_prefix=API_PREFIX,
                description="Availability from booking's own inventory.")

LOOKERS = ("consultant", "frontdesk", "manager", "admin")


class AvailabilityQuery(Schema):
    date = Day(load_default=None, metadata={"description": "Default: today"})
    days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=14))
    department_id = fields.Integer(validate=ID_RANGE)
    expert_id = fields.Integer(validate=ID_RANGE)


STATES = [s.value for s in SlotState]


class SlotAvailability(Schema):
    slot_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    session = fields.String()
    capacity = fields.Integer(required=True)
    booked = fields.Integer(required=True)
    held = fields.Integer(required=True, metadata={"description": "kept by a consultant now"})
    remaining = fields.Integer(required=True)
    overbooked = fields.Integer()
    state = fields.String(required=True, validate=validate.OneOf(STATES), metadata={
        "description": "open, full, stopped (停诊), not_released, closed (cut-off), past"})
    bookable = fields.Boolean(required=True,
                              metadata={"description": "Inside its booking window now"})
    stop_reason = fields.String(metadata={"description": "why the hospital stopped it"})
    opens_at = fields.DateTime(metadata={"description": "when a not released slot opens"})


class ExpertAvailability(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String()
    fee = fields.String()
    specialty = fields.String()
    bio = fields.String()
    department_id = fields.Integer()
    department_name = fields.String()
    remaining = fields.Integer(metadata={"description": "Places left over these slots"})
    waiting = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "patients on the waitlist, by date"})
    slots = fields.List(fields.Nested(SlotAvailability), required=True)


class AvailabilitySchema(Schema):
    date = Day(required=True)
    days = fields.Integer(required=True)
    time_zone = fields.String(required=True)
    version = fields.String(required=True, metadata={
        "description": "changes when a slot appears, stops or changes state"})
    experts = fields.List(fields.Nested(ExpertAvailability), required=True)


def _scope(query: dict[str, Any]) -> None:
    if not query.get("department_id") and not query.get("expert_id"):
        unprocessable("department_id", "Give a department_id or an expert_id.", "query")


def _json(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


@blp.route("/availability")
class Availability(MethodView):
    @roles_required(*LOOKERS)
    @blp.arguments(AvailabilityQuery, location="query")
    @blp.response(200, AvailabilitySchema)
    def get(self, query: dict[str, Any]) -> Response:
        """Experts (with specialty and bio) and their slots: the real counts — capacity,
        booked, held, remaining — and each slot's state."""
        _scope(query)
        with reading() as w:
            desk = w.desk
            first = query["date"] or desk.today
            experts, version = availability(w.session, desk, first, query["days"],
                                            query.get("department_id"),
                                            query.get("expert_id"))
        # Written directly: a department-week is thousands of slots, and this answer is
        # the console's most frequent full read. Its shape is AvailabilitySchema, which
        # the fuzz tests check the answers against.
        return _json({"date": first.isoformat(), "days": query["days"],
                      "time_zone": desk.zone.key, "version": version, "experts": experts})


class PolledCounts(Schema):
    version = fields.String(required=True, metadata={
        "description": "the grid these counts belong to: another version means reload it"})
    slots = fields.List(fields.List(fields.Raw()), required=True, metadata={
        "description": "[slot_id, remaining, held, booked, state] per slot"})


@blp.route("/availability/counts")
class AvailabilityCounts(MethodView):
    @roles_required(*LOOKERS)
    @blp.arguments(AvailabilityQuery, location="query")
    @blp.response(200, PolledCounts)
    @blp.alt_response(304, description="Nothing changed since the ETag given")
    def get(self, query: dict[str, Any]) -> Response:
        """What the console polls every few seconds: the counts alone, with an ETag; an
        unchanged answer is a bodiless 304."""
        _scope(query)
        with reading() as w:
            polled = polled_counts(w.session, w.desk, query["date"] or w.desk.today,
                                   query["days"],
                                   query.get("department_id"), query.get("expert_id"))
        headers = {"ETag": f'"{polled.etag}"'}
        if request.if_none_match.contains(polled.etag):
            return Response(status=304, headers=headers)
        return Response(polled.body, mimetype="application/json", headers=headers)


class StripQuery(Schema):
    from_ = Day(data_key="from", load_default=None, metadata={"description": "Default: today"})
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=31))
    department_id = fields.Integer(validate=ID_RANGE)
    expert_id = fields.Integer(validate=ID_RANGE)


class DayOut(Schema):
    date = Day(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in DayState]),
                          metadata={"description": "open (有号), full (约满), stopped (停诊), "
                                    "not_released (未放号), closed, none"})
    remaining = fields.Integer(required=True)
    stopped_slots = fields.Integer()
    opens_at = fields.DateTime(metadata={"description": "when a not released day opens"})
    stop_reason = fields.String()


class NextAvailable(Schema):
    slot_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    expert_id = fields.Integer(required=True)
    expert_name = fields.String(required=True)


class StripOut(Schema):
    time_zone = fields.String(required=True)
    days = fields.List(fields.Nested(DayOut), required=True)
    next_available = fields.Nested(NextAvailable, allow_none=True, required=True)


@blp.route("/availability/days")
class AvailabilityDays(MethodView):
    @roles_required(*LOOKERS)
    @blp.arguments(StripQuery, location="query")
    @blp.response(200, StripOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The next days at a glance for a department or an expert, and the earliest place
        free across the department's experts."""
        _scope(query)
        with reading() as w:
            desk = w.desk
            first = query["from_"] or desk.today
            scope = (query.get("department_id"), query.get("expert_id"))
            return {"time_zone": desk.zone.key,
                    "days": day_strip(w.session, desk, first, query["days"], *scope),
                    "next_available": next_available(w.session, desk, *scope)}


class DepartmentOut(Schema):
    id = fields.Integer(required=True)
    code = fields.String()
    name = fields.String(required=True)
    location = fields.String()


@blp.route("/departments")
class Departments(MethodView):
    @roles_required(*LOOKERS)
    @blp.response(200, DepartmentOut(many=True))
    def get(self) -> Any:
        """Active departments as booking knows them (for the console and roster pickers)."""
        with reading() as w:
            return active_departments(w.session)
