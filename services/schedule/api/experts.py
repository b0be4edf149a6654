"""``/api/v1/experts``: experts, their weekly templates, leave and extra sessions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from services.common.auth import roles_required
from services.common.fields import ID_RANGE, Day
from services.common.tokens import STAFF_ROLES
from services.common.web import API_PREFIX, reading, work

from ..domain.slots import Leave as LeaveRule
from ..domain.slots import Session as SessionRule
from ..ops.deactivation import change_expert, deactivate_expert
from ..ops.directory import create_expert
from ..ops.extra_sessions import add_extra_session
from ..ops.leave import add_leave
from ..ops.templates import delete_template, save_template
from ..reads import timetable as views
from ..reads.directory import ExpertView, expert, list_experts
from ..reads.timetable import (
    ExtraSessionView,
    LeaveView,
    TemplateView,
    deactivation_preview,
    expert_leaves,
    extra_session,
    leave,
    leave_preview,
    template,
    templates_of,
)
from .schemas import SessionShape, SlotSchema, hhmm

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
    department_name = fields.String(dump_only=True)
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
    department_name = fields.String(required=True, dump_only=True)
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


@blp.route("")
class Experts(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.arguments(ExpertQuery, location="query")
    @blp.response(200, ExpertSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[ExpertView]:
        """List experts; filter by department, active or a part of the name."""
        with reading() as w:
            return list_experts(w.session, **query)

    @roles_required("admin")
    @blp.arguments(ExpertSchema)
    @blp.response(201, ExpertSchema)
    @blp.alt_response(409, description="The code is already used.")
    def post(self, data: dict[str, Any]) -> ExpertView:
        """Create an expert in a department."""
        with work() as w:
            return expert(w.session, create_expert(w, **data))


@blp.route("/<int:expert_id>")
class ExpertResource(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.response(200, ExpertSchema)
    def get(self, expert_id: int) -> ExpertView:
        """One expert."""
        with reading() as w:
            return expert(w.session, expert_id)

    @roles_required("admin")
    @blp.arguments(ExpertChange)
    @blp.response(200, ExpertSchema)
    def patch(self, changes: dict[str, Any], expert_id: int) -> ExpertView:
        """Change an expert, move them to another department, or deactivate them.
        Deactivating cancels their slots not yet over, as ``POST .../deactivation`` does."""
        with work() as w:
            change_expert(w, expert_id, **changes)
            return expert(w.session, expert_id)


@blp.route("/<int:expert_id>/deactivation-preview")
class DeactivationPreviewResource(MethodView):
    @roles_required("admin")
    @blp.response(200, DeactivationPreview)
    def get(self, expert_id: int) -> views.DeactivationPreview:
        """What deactivating the expert would cancel: every active slot not yet over,
        by day, changing nothing (the admin page then asks booking who is booked)."""
        with reading() as w:
            return deactivation_preview(w.session, expert_id, w.desk)


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
        with work() as w:
            done = deactivate_expert(w, expert_id, data["reason"])
            return {"expert": expert(w.session, expert_id),
                    "cancelled_slot_ids": done.cancelled_slot_ids, "leave_ids": done.leave_ids}


@blp.route("/<int:expert_id>/templates")
class Templates(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.response(200, TemplateSchema(many=True))
    def get(self, expert_id: int) -> list[TemplateView]:
        """The expert's weekly sessions."""
        with reading() as w:
            return templates_of(w.session, expert_id)

    @roles_required("admin")
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    def post(self, data: dict[str, Any], expert_id: int) -> TemplateView:
        """Add a weekly session; it applies to dates not yet published."""
        with work() as w:
            return template(w.session, save_template(w, expert_id, **data))


@blp.route("/<int:expert_id>/templates/<int:template_id>")
class TemplateResource(MethodView):
    @roles_required("admin")
    @blp.arguments(TemplateSchema)
    @blp.response(200, TemplateSchema)
    def put(self, data: dict[str, Any], expert_id: int, template_id: int) -> TemplateView:
        """Replace a weekly session; published dates keep their slots."""
        with work() as w:
            return template(w.session, save_template(w, expert_id, template_id=template_id,
                                                     **data))

    @roles_required("admin")
    @blp.response(204)
    def delete(self, expert_id: int, template_id: int) -> None:
        """Remove a weekly session; published dates keep their slots."""
        with work() as w:
            delete_template(w, expert_id, template_id)


@blp.route("/<int:expert_id>/leave")
class Leaves(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.response(200, LeaveSchema(many=True))
    def get(self, expert_id: int) -> list[LeaveView]:
        """The expert's recorded leave."""
        with reading() as w:
            return expert_leaves(w.session, expert_id)

    @roles_required("admin")
    @blp.arguments(LeaveSchema)
    @blp.response(201, LeaveResult)
    def post(self, data: dict[str, Any], expert_id: int) -> dict[str, Any]:
        """Record leave for a whole day or part of it; its slots are cancelled."""
        rule = LeaveRule(data["day"], data["start"], data["end"])
        with work() as w:
            recorded = add_leave(w, expert_id, rule, data["reason"])
            return {**vars(leave(w.session, recorded.leave_id)),
                    "cancelled_slot_ids": recorded.cancelled_slot_ids,
                    "kept_slot_ids": recorded.kept_slot_ids}


@blp.route("/<int:expert_id>/leave-preview")
class LeavePreviewResource(MethodView):
    @roles_required("admin")
    @blp.arguments(LeaveQuery, location="query")
    @blp.response(200, LeavePreview)
    def get(self, query: dict[str, Any], expert_id: int) -> views.LeavePreview:
        """What recording this leave would cancel, and what it would keep, before it is
        confirmed (the admin page then asks booking who is booked in those slots)."""
        rule = LeaveRule(query["date"], query["start"], query["end"])
        with reading() as w:
            return leave_preview(w.session, expert_id, rule, w.desk.zone)


@blp.route("/<int:expert_id>/extra-sessions")
class ExtraSessions(MethodView):
    @roles_required("admin")
    @blp.arguments(ExtraSessionSchema)
    @blp.response(201, ExtraSessionSchema)
    def post(self, data: dict[str, Any], expert_id: int) -> ExtraSessionView:
        """Add a one-off session on a date; its slots are published at once."""
        shape = SessionRule(data["start"], data["end"], data["slot_minutes"],
                            data["capacity_per_slot"])
        with work() as w:
            made = add_extra_session(w, expert_id, data["day"], shape, data["reason"])
            return extra_session(w.session, made, w.desk.zone)
