"""``/api/v1/availability`` and ``/api/v1/holds``: who has room, and keeping a place."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, runtime, unprocessable

from .. import appointments as ops
from ..desk import Desk, open_desk
from ..models import Department, Expert, Hold, Slot
from .errors import refusals

blp = Blueprint("availability", __name__, url_prefix=API_PREFIX,
                description="Availability from booking's own inventory, and holds.")

LOOKERS = ("consultant", "frontdesk", "manager", "admin")
HOLDERS = ("consultant", "frontdesk")


class AvailabilityQuery(Schema):
    date = Day(load_default=None, metadata={"description": "Default: today"})
    days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=14))
    department_id = fields.Integer(validate=ID_RANGE)
    expert_id = fields.Integer(validate=ID_RANGE)


class SlotAvailability(Schema):
    slot_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    session = fields.String()
    capacity = fields.Integer(required=True)
    booked = fields.Integer(required=True)
    held = fields.Integer(required=True)
    remaining = fields.Integer(required=True)
    overbooked = fields.Integer()
    bookable = fields.Boolean(required=True,
                              metadata={"description": "Inside its booking window now"})


class ExpertAvailability(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String()
    fee = fields.String()
    department_id = fields.Integer()
    department_name = fields.String()
    remaining = fields.Integer(metadata={"description": "Places left over these slots"})
    slots = fields.List(fields.Nested(SlotAvailability), required=True)


class AvailabilitySchema(Schema):
    date = Day(required=True)
    days = fields.Integer(required=True)
    time_zone = fields.String(required=True)
    experts = fields.List(fields.Nested(ExpertAvailability), required=True)


class HoldIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)


class HoldSchema(Schema):
    id = fields.String(required=True)
    slot_id = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)
    seconds = fields.Integer(required=True, metadata={"description": "How long it lasts"})


@blp.route("/availability")
class Availability(MethodView):
    @roles_required(*LOOKERS)
    @blp.arguments(AvailabilityQuery, location="query")
    @blp.response(200, AvailabilitySchema)
    def get(self, query: dict[str, Any]) -> Response:
        """Experts with their slots and the real counts: capacity, booked, held, remaining."""
        if not query.get("department_id") and not query.get("expert_id"):
            unprocessable("department_id", "Give a department_id or an expert_id.", "query")
        rt = runtime()
        with rt.db.reading() as session:
            desk = open_desk(session, rt.settings, current_principal().username)
            first = query["date"] or desk.today
            experts = availability(session, desk, first, query["days"],
                                   query.get("department_id"), query.get("expert_id"))
        # Written directly: a department-week is thousands of slots, and this answer is
        # the console's most frequent call. Its shape is AvailabilitySchema, which the
        # fuzz tests check the answers against.
        body = {"date": first.isoformat(), "days": query["days"], "time_zone": desk.zone.key,
                "experts": experts}
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def availability(session: Any, desk: Desk, first: date, days: int, department_id: int | None,
                 expert_id: int | None) -> list[dict[str, Any]]:
    """One query of plain columns: slots with their experts, held places net of holds
    already expired (the worker sweeps them every few seconds)."""
    stale = (select(Hold.slot_id, func.count().label("n"))
             .where(Hold.status == "active", Hold.expires_at <= desk.now)
             .group_by(Hold.slot_id).subquery())
    query = (select(Slot.id, Slot.day, Slot.start_at, Slot.end_at, Slot.session, Slot.capacity,
                    Slot.booked, Slot.held, Slot.overbooked, Expert.id, Expert.name,
                    Expert.title, Expert.fee, Expert.department_id, Department.name,
                    func.coalesce(stale.c.n, 0))
             .join(Expert, Expert.id == Slot.expert_id)
             .outerjoin(Department, Department.id == Slot.department_id)
             .outerjoin(stale, stale.c.slot_id == Slot.id)
             .where(Slot.status == "active", Slot.day >= first,
                    Slot.day < first + timedelta(days=days), Expert.active.is_(True))
             .order_by(Expert.id, Slot.start_at))
    if department_id:
        query = query.where(Slot.department_id == department_id)
    if expert_id:
        query = query.where(Slot.expert_id == expert_id)
    window, zone, now = desk.window, desk.zone, desk.now
    open_after = window.open_after(now)
    local = LocalTimes(zone)
    released: dict[date, bool] = {}
    experts: dict[int, dict[str, Any]] = {}
    # Core rows, not ORM ones: every column is plain, and this loop runs per slot.
    for (slot_id, day, start, end, session_label, capacity, booked, held, overbooked,
         expert, name, title, fee, expert_department, department_name, expired) in \
            session.connection().execute(query).all():
        held = max(held - expired, 0)
        remaining = max(capacity - booked - held, 0)
        if day not in released:
            released[day] = window.opens_at(day, zone) <= now
        bookable = released[day] and start > open_after
        entry = experts.get(expert)
        if entry is None:
            entry = experts[expert] = {
                "id": expert, "name": name, "title": title, "fee": f"{fee:.2f}",
                "department_id": expert_department, "department_name": department_name or "",
                "remaining": 0, "slots": []}
        if bookable:
            entry["remaining"] += remaining
        entry["slots"].append({
            "slot_id": slot_id, "date": day.isoformat(),
            "start": local[start], "end": local[end],
            "session": session_label, "capacity": capacity, "booked": booked, "held": held,
            "remaining": remaining, "overbooked": overbooked, "bookable": bookable})
    return list(experts.values())


class LocalTimes(dict[datetime, str]):
    """Moments as ISO text in the hospital's zone, each formatted once: slot times repeat
    across a department's experts, who work on the same grid."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, moment: datetime) -> str:
        text = self[moment] = moment.astimezone(self.zone).isoformat()
        return text


@blp.route("/holds")
class Holds(MethodView):
    @roles_required(*HOLDERS)
    @blp.arguments(HoldIn)
    @blp.response(201, HoldSchema)
    @blp.alt_response(409, description="The slot is full or not open for booking")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Keep one place while the patient confirms (default 300 seconds)."""
        rt = runtime()
        with refusals(), rt.db.transaction() as session:
            desk = open_desk(session, rt.settings, current_principal().username)
            hold = ops.place_hold(session, desk, data["slot_id"])
            return {"id": hold.id, "slot_id": hold.slot_id, "expires_at": hold.expires_at,
                    "seconds": rt.settings.hold_seconds}


@blp.route("/holds/<hold_id>")
class HoldResource(MethodView):
    @roles_required(*HOLDERS)
    @blp.response(204)
    def delete(self, hold_id: str) -> None:
        """Release your hold; the place is free again at once."""
        rt = runtime()
        with refusals(), rt.db.transaction() as session:
            desk = open_desk(session, rt.settings, current_principal().username)
            ops.release_hold(session, desk, hold_id)


class DepartmentOut(Schema):
    id = fields.Integer(required=True)
    code = fields.String()
    name = fields.String(required=True)
    location = fields.String()


@blp.route("/departments")
class Departments(MethodView):
    @roles_required(*LOOKERS)
    @blp.response(200, DepartmentOut(many=True))
    def get(self) -> list[Department]:
        """Active departments as booking knows them (for the console and roster pickers)."""
        with runtime().db.reading() as session:
            return list(session.scalars(select(Department).where(Department.active.is_(True))
                                        .order_by(Department.code)))
