"""``/api/v1/appointments`` and ``/api/v1/walk-ins``: book, find, cancel, move, check in."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.web import API_PREFIX, runtime

from .. import appointments as ops
from ..desk import open_desk
from ..domain.patients import clean_patient
from ..domain.rules import CANCEL_REASONS, CHANNELS, STATUSES
from ..models import Appointment, Patient
from . import idempotency
from .errors import refusals
from .schemas import AppointmentSchema, PatientIn, ReasonIn
from .views import describe

blp = Blueprint("appointments", __name__, url_prefix=API_PREFIX,
                description="Appointments: book, find, cancel, reschedule, check in.")

APPOINTMENT = AppointmentSchema()  # built once: a schema costs more to make than to use
BOOKERS = ("consultant", "frontdesk")
READERS = ("consultant", "frontdesk", "manager", "admin")
DESK = ("frontdesk",)


class BookingIn(Schema):
    slot_id = fields.Integer(validate=ID_RANGE)
    hold_id = fields.String(validate=validate.Length(min=1, max=36))
    patient = fields.Nested(PatientIn, required=True)
    channel = fields.String(required=True, validate=validate.OneOf(
        [c for c in CHANNELS if c != "walk_in"]))
    complaint = fields.String(load_default="", validate=validate.Length(max=2000))
    override_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=400))


class WalkInIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)
    patient = fields.Nested(PatientIn, required=True)
    complaint = fields.String(load_default="", validate=validate.Length(max=2000))
    override_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=400))
    overbook_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=400),
        metadata={"description": "Given when the slot is full: see the patient anyway"})


class SearchQuery(Schema):
    date = Day()
    code = fields.String(validate=validate.Length(max=20))
    phone = fields.String(validate=validate.Length(max=40),
                          metadata={"description": "Full number or its last four digits"})
    q = fields.String(validate=validate.Length(min=1, max=60),
                      metadata={"description": "Code, name, or the phone's last four digits"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    expert_id = fields.Integer(validate=ID_RANGE)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CancelIn(Schema):
    reason = fields.String(load_default="patient", validate=validate.OneOf(
        [r for r in CANCEL_REASONS if r != "expert_unavailable"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))


class RescheduleIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)


def _book(data: dict[str, Any], endpoint: str, walk_in: bool) -> Any:
    rt = runtime()
    principal = current_principal().username
    key = idempotency.request_key()
    digest = idempotency.fingerprint(data)
    patient = data["patient"]
    try:
        with refusals(), rt.db.transaction() as session:
            if key:
                idempotency.claim(session, key, principal, endpoint, digest)
            desk = open_desk(session, rt.settings, principal)
            details = clean_patient(patient["name"], patient["phone"], patient.get("email"),
                                    patient["sms_consent"], patient["email_consent"],
                                    rt.settings.phone_region)
            request = ops.BookingRequest(
                patient=details, channel=data.get("channel", "walk_in"),
                slot_id=data.get("slot_id"), hold_id=data.get("hold_id"),
                complaint=data["complaint"], override_reason=data.get("override_reason"),
                walk_in=walk_in, overbook_reason=data.get("overbook_reason"))
            appointment = ops.book(session, desk, request)
            body = APPOINTMENT.dump(
                describe(session, desk, appointment, with_confirmation=True))
            if key:
                idempotency.remember(session, key, principal, 201, body)
    except IntegrityError as exc:
        return _after_conflict(key, principal, digest, exc)
    return _json(201, body)


def _after_conflict(key: str | None, principal: str, digest: str, exc: IntegrityError) -> Any:
    """The database said no: a replayed Idempotency-Key, a duplicate that raced us, or
    another change to the same slot at the same moment."""
    if key:
        with runtime().db.reading() as session:
            replay = idempotency.previous(session, key, principal, digest)
        if replay is not None:
            return _json(replay.status, replay.body)
    text = str(exc.orig)
    if "uq_appointments_patient_expert_day" in text or "appointments.patient_id" in text:
        abort(409, code="duplicate", message="The patient already has an appointment with "
              "this expert on this day.")
    abort(409, code="conflict", message="The slot changed at the same moment; look at it "
          "again and retry.")


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


@blp.route("/appointments")
class Appointments(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(BookingIn)
    @blp.response(201, AppointmentSchema)
    @blp.alt_response(409, description="Full, duplicate, hold expired, or needs an override")
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                          "schema": {"type": "string", "maxLength": 200}}])
    def post(self, data: dict[str, Any]) -> Any:
        """Book a place from a slot or from your hold."""
        return _book(data, "appointments", walk_in=False)

    @roles_required(*READERS)
    @blp.arguments(SearchQuery, location="query")
    @blp.response(200, AppointmentSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Find appointments by date, code, phone (or its last four digits) or name."""
        rt = runtime()
        with rt.db.reading() as session:
            desk = open_desk(session, rt.settings, current_principal().username)
            found = session.scalars(_search(query)).all()
            return [describe(session, desk, a, masked=True) for a in found]


def _search(query: dict[str, Any]) -> Any:
    statement = (select(Appointment).join(Patient, Patient.id == Appointment.patient_id)
                 .order_by(Appointment.day, Appointment.expert_id, Appointment.queue_number)
                 .limit(query["limit"]))
    if "date" in query:
        statement = statement.where(Appointment.day == query["date"])
    if "status" in query:
        statement = statement.where(Appointment.status == query["status"])
    if "expert_id" in query:
        statement = statement.where(Appointment.expert_id == query["expert_id"])
    if query.get("code"):
        statement = statement.where(Appointment.code == query["code"].strip().upper())
    if query.get("phone"):
        digits = "".join(ch for ch in query["phone"] if ch.isdigit())
        statement = statement.where(Patient.phone.like(f"%{digits}"))
    if query.get("q"):
        text = query["q"].strip()
        conditions = [Appointment.code == text.upper(), Patient.name.contains(text)]
        if text.isdigit() and len(text) == 4:
            conditions.append(Patient.phone.like(f"%{text}"))
        statement = statement.where(or_(*conditions))
    return statement


@blp.route("/walk-ins")
class WalkIns(MethodView):
    @roles_required(*DESK)
    @blp.arguments(WalkInIn)
    @blp.response(201, AppointmentSchema)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                          "schema": {"type": "string", "maxLength": 200}}])
    def post(self, data: dict[str, Any]) -> Any:
        """Book and check in a patient who came without an appointment."""
        return _book(data, "walk-ins", walk_in=True)


@blp.route("/appointments/<int:appointment_id>")
class AppointmentResource(MethodView):
    @roles_required(*READERS)
    @blp.response(200, AppointmentSchema)
    def get(self, appointment_id: int) -> dict[str, Any]:
        """One appointment, with the patient's full contact details and link."""
        rt = runtime()
        with refusals(), rt.db.reading() as session:
            desk = open_desk(session, rt.settings, current_principal().username)
            return describe(session, desk, ops.get(session, appointment_id))


def _change(appointment_id: int, action: Any) -> dict[str, Any]:
    rt = runtime()
    with refusals(), rt.db.transaction() as session:
        desk = open_desk(session, rt.settings, current_principal().username)
        appointment = ops.get(session, appointment_id)
        action(session, desk, appointment)
        return describe(session, desk, appointment)


@blp.route("/appointments/<int:appointment_id>/cancel")
class Cancel(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(CancelIn)
    @blp.response(200, AppointmentSchema)
    def post(self, data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
        """Cancel (any time before the visit) and give the place back."""
        return _change(appointment_id, lambda s, d, a: ops.cancel(
            s, d, a, data["reason"], data["note"]))


@blp.route("/appointments/<int:appointment_id>/reschedule")
class Reschedule(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(RescheduleIn)
    @blp.response(200, AppointmentSchema)
    def post(self, data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
        """Move to another slot in one step."""
        return _change(appointment_id, lambda s, d, a: ops.reschedule(s, d, a, data["slot_id"]))


def _status_route(path: str, action: str, doc: str) -> None:
    class StatusChange(MethodView):
        @roles_required(*DESK)
        @blp.arguments(ReasonIn)
        @blp.response(200, AppointmentSchema)
        def post(self, data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
            return _change(appointment_id, lambda s, d, a: ops.change_status(
                s, d, a, action, data.get("reason")))

    StatusChange.post.__doc__ = doc
    StatusChange.__name__ = f"Status_{action}"
    blp.route(f"/appointments/<int:appointment_id>/{path}", endpoint=action)(StatusChange)


_status_route("check-in", "check_in", "The patient has arrived.")
_status_route("undo-check-in", "undo_check_in", "Undo a check-in made by mistake (reason).")
_status_route("no-show", "no_show", "The patient did not come.")
_status_route("undo-no-show", "undo_no_show", "Undo a no-show made by mistake (reason).")
_status_route("complete", "complete", "The visit is over.")
