"""``/api/v1/experts``: experts, their weekly templates, leave and extra sessions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from services.common.auth import ROLES, current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, abort, not_found, unprocessable

from ..config import runtime
from ..domain.slots import InvalidSchedule
from ..domain.slots import Leave as LeaveRule
from ..domain.slots import Session as SessionRule
from ..models import Department, Expert, Template
from ..ops.deactivation import deactivate_expert
from ..ops.directory import DuplicateCode, create_expert, update_expert
from ..ops.extra_sessions import add_extra_session
from ..ops.leave import add_leave
from ..ops.templates import delete_template, save_template
from ..reads.directory import get_department, get_expert, list_experts
from ..reads.hospital import hospital_zone, local_today
from ..reads.timetable import (
    active_slots,
    expert_leaves,
    expert_templates,
    get_template,
    slots_not_over,
)
from .schemas import SessionShape, SlotSchema, hhmm
from .slots import slot_views

blp = Blueprint("experts", __name__, url_prefix=f"{API_PREFIX}/experts",
                description="Experts, their weekly templates, leave and extra sessions.")


def _fee_in_range(value: Decimal) -> None:
    if not Decimal("0") <= value <= Decimal("100000"):
        raise ValidationError("The fee is between 0 and 100000.")


def Fee(**kwargs: Any) -> fields.Decimal:
    """The registration fee: a decimal with two places, sent and answered as a string."""
    return fields.Decimal(places=2, as_string=True, validate=_fee_in_range, metadata={
        "type": "string", "format": "decimal", "pattern": r"^\d{1,6}(\.\d{1,2})?$",
        "example": "50.00", "description": "Registration fee"}, **kwargs)


class ExpertSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, - and _ only (1 to 40)."),
        metadata={"description": "Left out: the department's code and the next number "
                                 "(CARD-03)"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    title = fields.String(load_default="", validate=validate.Length(max=120))
    department_id = fields.Integer(required=True, validate=ID_RANGE)
    department_name = fields.Function(lambda e: e.department.name, dump_only=True)
    specialty = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "what the expert sees patients for, in a line (擅长)"})
    bio = fields.String(load_default="", validate=validate.Length(max=4000))
    fee = Fee(load_default=Decimal("0"))
    active = fields.Boolean(dump_only=True)


class ExpertChange(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    title = fields.String(validate=validate.Length(max=120))
    department_id = fields.Integer(validate=ID_RANGE)
    specialty = fields.String(validate=validate.Length(max=200))
    bio = fields.String(validate=validate.Length(max=4000))
    fee = Fee()
    active = fields.Boolean(metadata={
        "description": "false deactivates: no more publishing, and the expert's slots not "
                       "yet over are cancelled as by leave (see POST .../deactivation)"})
    reason = fields.String(load_default="", validate=validate.Length(max=400), metadata={
        "description": "with active false: the reason the patients are told (default 专家停诊)"})


class ExpertQuery(Schema):
    department_id = fields.Integer(validate=ID_RANGE)
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Part of the name, code or title."})


class TemplateSchema(SessionShape):
    id = fields.Integer(dump_only=True)
    expert_id = fields.Integer(dump_only=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=7),
                             metadata={"description": "ISO weekday: 1 = Monday … 7 = Sunday"})
    valid_from = Day(load_default=None)
    valid_until = Day(load_default=None, allow_none=True)


class LeaveSchema(Schema):
    id = fields.Integer(dump_only=True)
    date = Day(required=True, attribute="day")
    start = hhmm(load_default=None, allow_none=True)
    end = hhmm(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=400))
    created_by = fields.String(dump_only=True)


class LeaveResult(LeaveSchema):
    cancelled_slot_ids = fields.List(fields.Integer(), dump_only=True)
    kept_slot_ids = fields.List(fields.Integer(), dump_only=True, metadata={
        "description": "slots the leave only overlaps: kept (the desk tells those patients)"})


class LeaveQuery(Schema):
    date = Day(required=True)
    start = hhmm(load_default=None, allow_none=True)
    end = hhmm(load_default=None, allow_none=True)


class ExpertRef(Schema):
    """Who a preview is about, so the admin sees the name before confirming."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True)
    department_name = fields.Function(lambda e: e.department.name, required=True)
    active = fields.Boolean(required=True)


class LeavePreview(Schema):
    expert = fields.Nested(ExpertRef, required=True)
    date = Day(required=True)
    start = hhmm(allow_none=True)  # null, as end: the whole day
    end = hhmm(allow_none=True)
    cancelled = fields.List(fields.Nested(SlotSchema), required=True, metadata={
        "description": "the slots inside the leave: recording it cancels them"})
    kept = fields.List(fields.Nested(SlotSchema), required=True, metadata={
        "description": "slots the leave only overlaps: kept"})


class DeactivationDay(Schema):
    date = Day(required=True)
    slots = fields.Integer(required=True)
    places = fields.Integer(required=True, metadata={"description": "capacity of those slots"})
    sessions = fields.List(fields.String(), required=True, metadata={"example": ["08:00-11:30"]})


class DeactivationPreview(Schema):
    expert = fields.Nested(ExpertRef, required=True)
    places = fields.Integer(required=True, metadata={
        "description": "places in the slots it cancels, booked or not"})
    days = fields.List(fields.Nested(DeactivationDay), required=True)
    cancelled = fields.List(fields.Nested(SlotSchema), required=True, metadata={
        "description": "the expert's active slots not yet over: deactivating cancels them "
                       "(the admin page then asks booking who is booked in them)"})


class DeactivationIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=400), metadata={
        "description": "told to the patients and shown on the roster, as a leave's reason"})


class DeactivationResult(Schema):
    expert = fields.Nested(ExpertSchema, required=True)
    cancelled_slot_ids = fields.List(fields.Integer(), required=True)
    leave_ids = fields.List(fields.Integer(), required=True, metadata={
        "description": "one leave per day with cancelled slots, as if recorded by hand"})


class ExtraSessionSchema(SessionShape):
    id = fields.Integer(dump_only=True)
    date = Day(required=True, attribute="day")
    reason = fields.String(load_default="", validate=validate.Length(max=400))
    slots = fields.List(fields.Nested(SlotSchema), dump_only=True)


def _expert(session: Any, expert_id: int) -> Expert:
    return get_expert(session, expert_id) or not_found("expert")


def _department(session: Any, department_id: int) -> Department:
    department = get_department(session, department_id)
    if department is None:
        unprocessable("department_id", "No such department.")
    return department


def _refuse(exc: InvalidSchedule) -> NoReturn:
    if exc.code:  # the pages say it in their language by the code
        abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}}, code=exc.code)
    unprocessable(exc.field, str(exc))


@blp.route("")
class Experts(MethodView):
    @roles_required(*ROLES)
    @blp.arguments(ExpertQuery, location="query")
    @blp.response(200, ExpertSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[Expert]:
        """List experts; filter by department, active or a part of the name."""
        with runtime().db.reading() as session:
            return list_experts(session, **query)

    @roles_required("admin")
    @blp.arguments(ExpertSchema)
    @blp.response(201, ExpertSchema)
    @blp.alt_response(409, description="The code is already used.")
    def post(self, data: dict[str, Any]) -> Expert:
        """Create an expert in a department."""
        try:
            with runtime().db.transaction() as session:
                department = _department(session, data.pop("department_id"))
                return create_expert(session, runtime().now(), department=department, **data)
        except DuplicateCode as exc:
            abort(409, message=f"Code {data['code']!r} is already used.",
                  existing={"id": exc.existing_id})


@blp.route("/<int:expert_id>")
class ExpertResource(MethodView):
    @roles_required(*ROLES)
    @blp.response(200, ExpertSchema)
    def get(self, expert_id: int) -> Expert:
        """One expert."""
        with runtime().db.reading() as session:
            return _expert(session, expert_id)

    @roles_required("admin")
    @blp.arguments(ExpertChange)
    @blp.response(200, ExpertSchema)
    def patch(self, changes: dict[str, Any], expert_id: int) -> Expert:
        """Change an expert, move them to another department, or deactivate them.
        Deactivating cancels their slots not yet over, as ``POST .../deactivation`` does."""
        rt = runtime()
        reason = changes.pop("reason", "")
        deactivate = changes.get("active") is False
        if deactivate:
            changes.pop("active")
        with rt.db.transaction() as session:
            expert = _expert(session, expert_id)
            if "department_id" in changes:
                _department(session, changes["department_id"])
            if changes or not deactivate:
                update_expert(session, expert, changes)
            if deactivate:
                deactivate_expert(session, expert, reason, current_principal().username,
                                  rt.settings.default_time_zone, rt.now())
            return expert


@blp.route("/<int:expert_id>/deactivation-preview")
class DeactivationPreviewResource(MethodView):
    @roles_required("admin")
    @blp.response(200, DeactivationPreview)
    def get(self, expert_id: int) -> dict[str, Any]:
        """What deactivating the expert would cancel: every active slot not yet over,
        by day, changing nothing (the admin page then asks booking who is booked)."""
        rt = runtime()
        with rt.db.reading() as session:
            expert = _expert(session, expert_id)
            zone = hospital_zone(session, rt.settings.default_time_zone)
            slots = slots_not_over(session, expert_id, rt.now()) if expert.active else []
            days: dict[Any, dict[str, Any]] = {}
            for slot in slots:
                day = days.setdefault(slot.day, {"date": slot.day, "slots": 0, "places": 0,
                                                 "sessions": []})
                day["slots"] += 1
                day["places"] += slot.capacity
                if slot.session not in day["sessions"]:
                    day["sessions"].append(slot.session)
            return {"expert": expert, "places": sum(slot.capacity for slot in slots),
                    "days": list(days.values()), "cancelled": slot_views(slots, zone)}


@blp.route("/<int:expert_id>/deactivation")
class Deactivation(MethodView):
    @roles_required("admin")
    @blp.arguments(DeactivationIn)
    @blp.response(200, DeactivationResult)
    def post(self, data: dict[str, Any], expert_id: int) -> dict[str, Any]:
        """Deactivate the expert: their slots not yet over are cancelled as by leave (one
        leave per day, ``schedule.slots.cancelled``), so booking cancels the appointments
        as ``expert_unavailable`` and the patients are told; nothing more is published.
        An expert already inactive is left as is."""
        rt = runtime()
        with rt.db.transaction() as session:
            expert = _expert(session, expert_id)
            leaves, slots = deactivate_expert(
                session, expert, data["reason"], current_principal().username,
                rt.settings.default_time_zone, rt.now())
            return {"expert": expert, "cancelled_slot_ids": [slot.id for slot in slots],
                    "leave_ids": [leave.id for leave in leaves]}


@blp.route("/<int:expert_id>/templates")
class Templates(MethodView):
    @roles_required(*ROLES)
    @blp.response(200, TemplateSchema(many=True))
    def get(self, expert_id: int) -> list[Template]:
        """The expert's weekly sessions."""
        with runtime().db.reading() as session:
            _expert(session, expert_id)
            return expert_templates(session, expert_id)

    @roles_required("admin")
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    def post(self, data: dict[str, Any], expert_id: int) -> Template:
        """Add a weekly session; it applies to dates not yet published."""
        return _save_template(expert_id, data)


@blp.route("/<int:expert_id>/templates/<int:template_id>")
class TemplateResource(MethodView):
    @roles_required("admin")
    @blp.arguments(TemplateSchema)
    @blp.response(200, TemplateSchema)
    def put(self, data: dict[str, Any], expert_id: int, template_id: int) -> Template:
        """Replace a weekly session; published dates keep their slots."""
        return _save_template(expert_id, data, template_id)

    @roles_required("admin")
    @blp.response(204)
    def delete(self, expert_id: int, template_id: int) -> None:
        """Remove a weekly session; published dates keep their slots."""
        with runtime().db.transaction() as session:
            template = get_template(session, expert_id, template_id) or not_found("template")
            delete_template(session, template)


def _save_template(expert_id: int, data: dict[str, Any], template_id: int | None = None
                   ) -> Template:
    rt = runtime()
    try:
        with rt.db.transaction() as session:
            expert = _expert(session, expert_id)
            template = None
            if template_id is not None:
                template = get_template(session, expert_id, template_id) or not_found("template")
            if data.get("valid_from") is None:
                zone = hospital_zone(session, rt.settings.default_time_zone)
                data["valid_from"] = local_today(zone, rt.now())
            return save_template(session, expert, data, rt.now(), template)
    except InvalidSchedule as exc:
        _refuse(exc)


@blp.route("/<int:expert_id>/leave")
class Leaves(MethodView):
    @roles_required(*ROLES)
    @blp.response(200, LeaveSchema(many=True))
    def get(self, expert_id: int) -> list[Any]:
        """The expert's recorded leave."""
        with runtime().db.reading() as session:
            _expert(session, expert_id)
            return expert_leaves(session, expert_id)

    @roles_required("admin")
    @blp.arguments(LeaveSchema)
    @blp.response(201, LeaveResult)
    def post(self, data: dict[str, Any], expert_id: int) -> dict[str, Any]:
        """Record leave for a whole day or part of it; its slots are cancelled."""
        rt = runtime()
        rule = LeaveRule(data["day"], data.get("start"), data.get("end"))
        try:
            with rt.db.transaction() as session:
                expert = _expert(session, expert_id)
                leave, cancelled, kept = add_leave(
                    session, expert, rule, data["reason"], current_principal().username,
                    rt.settings.default_time_zone, rt.now())
                return {"id": leave.id, "day": leave.day, "start": leave.start,
                        "end": leave.end, "reason": leave.reason,
                        "created_by": leave.created_by,
                        "cancelled_slot_ids": [slot.id for slot in cancelled],
                        "kept_slot_ids": [slot.id for slot in kept]}
        except InvalidSchedule as exc:
            _refuse(exc)


@blp.route("/<int:expert_id>/leave-preview")
class LeavePreviewResource(MethodView):
    @roles_required("admin")
    @blp.arguments(LeaveQuery, location="query")
    @blp.response(200, LeavePreview)
    def get(self, query: dict[str, Any], expert_id: int) -> dict[str, Any]:
        """What recording this leave would cancel, and what it would keep, before it is
        confirmed (the admin page then asks booking who is booked in those slots)."""
        rt = runtime()
        rule = LeaveRule(query["date"], query.get("start"), query.get("end"))
        try:
            rule.check()
        except InvalidSchedule as exc:
            _refuse(exc)
        with rt.db.reading() as session:
            expert = _expert(session, expert_id)
            zone = hospital_zone(session, rt.settings.default_time_zone)
            cancelled, kept = rule.split(active_slots(session, expert_id, rule.day), zone)
            return {"expert": expert, "date": rule.day, "start": rule.start, "end": rule.end,
                    "cancelled": slot_views(cancelled, zone), "kept": slot_views(kept, zone)}


@blp.route("/<int:expert_id>/extra-sessions")
class ExtraSessions(MethodView):
    @roles_required("admin")
    @blp.arguments(ExtraSessionSchema)
    @blp.response(201, ExtraSessionSchema)
    def post(self, data: dict[str, Any], expert_id: int) -> dict[str, Any]:
        """Add a one-off session on a date; its slots are published at once."""
        rt = runtime()
        shape = SessionRule(data["start"], data["end"], data["slot_minutes"],
                            data["capacity_per_slot"])
        try:
            with rt.db.transaction() as session:
                expert = _expert(session, expert_id)
                extra, slots = add_extra_session(
                    session, expert, data["day"], shape, data["reason"],
                    current_principal().username, rt.settings.default_time_zone, rt.now())
                zone = hospital_zone(session, rt.settings.default_time_zone)
                return {"id": extra.id, "day": extra.day, "start": extra.start, "end": extra.end,
                        "slot_minutes": extra.slot_minutes,
                        "capacity_per_slot": extra.capacity_per_slot, "reason": extra.reason,
                        "slots": slot_views(slots, zone)}
        except InvalidSchedule as exc:
            _refuse(exc)


