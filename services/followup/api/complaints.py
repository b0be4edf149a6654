"""``/api/v1/complaints``: complaints (平息抱怨) recorded from a call, a chat or the desk;
owned, resolved and closed by a call; counted by department for managers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import Day, day_span
from services.common.refusals import Invalid
from services.common.web import API_PREFIX, reading, work

from ..domain.complaints import SOURCES, About
from ..ops.access import record_access
from ..ops.complaints import assign, close, found, record, resolve
from ..ops.staff import known_as
from ..reads.complaints import (
    STATES,
    complaint,
    complaints,
    department_summary,
    patient_id_of,
)
from ..reads.directory import directory
from .common import READERS, phone_of

blp = Blueprint("complaints", __name__, url_prefix=API_PREFIX,
                description="Complaints: recorded, owned, resolved, closed by a call.")

RECORDERS = ("consultant", "frontdesk")
EVERYONE = (*RECORDERS, *READERS)
COMPLAINT_CARD = "complaint_card"


class ComplaintIn(Schema):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    task_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "from a call card: the patient is the task's"})
    patient_name = fields.String(load_default="", validate=validate.Length(max=120))
    phone = fields.String(load_default="", validate=validate.Length(max=40))
    what = fields.String(required=True, validate=validate.Length(max=2000))
    wish = fields.String(required=True, validate=validate.Length(max=1000),
                         metadata={"description": "what the patient wants"})
    department_id = fields.Integer(required=True)
    expert_id = fields.Integer(load_default=None, allow_none=True)
    owner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    due_on = Day(load_default=None, allow_none=True)


class AssignIn(Schema):
    owner = fields.String(required=True, validate=validate.Length(min=1, max=60))
    due_on = Day(load_default=None, allow_none=True)


class ResolutionIn(Schema):
    resolution = fields.String(required=True, validate=validate.Length(max=2000))


class ClosingIn(Schema):
    note = fields.String(required=True, validate=validate.Length(max=2000))


class ListQuery(Schema):
    state = fields.String(load_default="open", validate=validate.OneOf(STATES))


class RangeQuery(Schema):
    from_ = Day(data_key="from")
    to = Day()


class ComplaintOut(Schema):
    id = fields.Integer(required=True)
    source = fields.String()
    status = fields.String()
    patient = fields.Dict(metadata={"description": "name; the phone masked but for the owner"})
    department_id = fields.Integer()
    department = fields.String()
    expert_id = fields.Integer(allow_none=True)
    expert = fields.String()
    owner = fields.String()
    owner_name = fields.String()
    due_on = fields.Date()
    overdue = fields.Boolean()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class ComplaintCard(ComplaintOut):
    what = fields.String()
    wish = fields.String()
    resolution = fields.String()
    resolved_at = fields.DateTime(allow_none=True)
    closing_note = fields.String()
    recorded_by = fields.String()
    recorded_by_name = fields.String()
    task_id = fields.Integer(allow_none=True)


class DepartmentRow(Schema):
    department_id = fields.Integer()
    department = fields.String()
    open = fields.Integer()
    overdue = fields.Integer()
    closed = fields.Integer()
    median_hours = fields.Float(allow_none=True, metadata={
        "description": "recording to the closing call, of the closed ones"})


class DirectoryOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    experts = fields.List(fields.Dict(), metadata={"description": "[{id, name}]"})


def is_manager() -> bool:
    return current_principal().has_any(READERS)


def card(w: Any, row: Any) -> dict[str, Any]:
    """The complaint; its owner reads the full phone for the closing call (logged)."""
    mine = row.owner == w.desk.by
    if mine:
        record_access(w.session, w.desk, COMPLAINT_CARD,
                      patient_id=patient_id_of(w.session, row), detail=f"complaint {row.id}")
    return complaint(w.session, w.desk, row, full=mine)


@blp.route("/complaints")
class Complaints(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, ComplaintOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Open (not closed), overdue, closed or all; phones masked, no free text."""
        with reading() as w:
            return complaints(w.session, w.desk, query["state"])

    @roles_required(*RECORDERS)
    @blp.arguments(ComplaintIn)
    @blp.response(201, ComplaintCard)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record a complaint: what, about which department or expert, what they want."""
        with work() as w:
            # Front desk is named on what it records, but is no colleague to give work to.
            known_as(w.session, w.desk, current_principal().name,
                     colleague=current_principal().has_any(("consultant",)))
            phone = phone_of(data["phone"]) if data["task_id"] is None and data["phone"] \
                else ""
            row = record(w.session, w.desk, source=data["source"], what=data["what"],
                         wish=data["wish"], about=About(data["department_id"],
                                                        data["expert_id"]),
                         patient_name=data["patient_name"], phone=phone,
                         task_id=data["task_id"], owner=data["owner"],
                         due_on=data["due_on"])
            return card(w, row)


@blp.route("/complaints/<int:complaint_id>")
class ComplaintResource(MethodView):
    @roles_required(*EVERYONE)
    @blp.response(200, ComplaintCard)
    def get(self, complaint_id: int) -> dict[str, Any]:
        with work() as w:
            return card(w, found(w.session, complaint_id))


@blp.route("/complaints/<int:complaint_id>/owner")
class Owner(MethodView):
    @roles_required(*READERS)
    @blp.arguments(AssignIn)
    @blp.response(200, ComplaintOut)
    def post(self, data: dict[str, Any], complaint_id: int) -> dict[str, Any]:
        """A manager gives the complaint to another owner, or another due day."""
        with work() as w:
            row = assign(w.session, w.desk, complaint_id, owner=data["owner"],
                         due_on=data["due_on"])
            return complaint(w.session, w.desk, row, full=False)


@blp.route("/complaints/<int:complaint_id>/resolution")
class Resolution(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ResolutionIn)
    @blp.response(200, ComplaintCard)
    def post(self, data: dict[str, Any], complaint_id: int) -> dict[str, Any]:
        """What the hospital did (the owner, or a manager)."""
        with work() as w:
            return card(w, resolve(w.session, w.desk, complaint_id, data["resolution"],
                                   manager=is_manager()))


@blp.route("/complaints/<int:complaint_id>/closing-call")
class ClosingCall(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ClosingIn)
    @blp.response(200, ComplaintCard)
    def post(self, data: dict[str, Any], complaint_id: int) -> dict[str, Any]:
        """The patient was called and told what was done: closed."""
        with work() as w:
            return card(w, close(w.session, w.desk, complaint_id, data["note"],
                                 manager=is_manager()))


@blp.route("/complaints/by-department")
class ByDepartment(MethodView):
    @roles_required(*READERS)
    @blp.arguments(RangeQuery, location="query")
    @blp.response(200, DepartmentRow(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Complaints recorded in the period (default: the last 90 days) by department."""
        with reading() as w:
            last = query.get("to") or w.desk.today
            first = query.get("from_") or last - timedelta(days=89)
            if last < first:
                raise Invalid("bad_range", "'to' is before 'from'.", field="to")
            after, before = day_span(first, last, w.desk.zone)
            return department_summary(w.session, w.desk, after, before)


@blp.route("/directory")
class Directory(MethodView):
    @roles_required(*EVERYONE)
    @blp.response(200, DirectoryOut(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Departments and their experts: whom a complaint may be about."""
        with reading() as w:
            return directory(w.session)
