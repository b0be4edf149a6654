"""``/api/v1/appointments`` and ``/api/v1/walk-ins``: book, find, cancel, move, check in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, reading, work

from ..config import runtime
from ..domain.facts import AppointmentFacts
from ..domain.patients import clean_patient
from ..domain.privacy import Access, phone_in_text, phone_search, sees_contact
from ..domain.statuses import NOT_CHOSEN, Action, AppointmentStatus, CancelReason, Channel
from ..ops import changes
from ..ops.access import record_access, record_phone_search
from ..ops.booking import BookingRequest, SlotAtHand, book, refuse_early
from ..ops.links import link_for
from ..reads.appointments import load_facts, search
from ..reads.patients import history_of
from . import idempotency
from .schemas import AppointmentSchema, PatientIn, ReasonIn
from .shut import refuse_if_known_shut
from .views import staff_view

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
        [c.value for c in Channel if c not in NOT_CHOSEN]))
    complaint = fields.String(load_default="", validate=validate.Length(max=2000))
    override_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=400))


#: Built once: given the class, webargs would build a schema (and its nested patient's)
#: for every booking, which cost more than validating it.
BOOKING_IN = BookingIn()


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
                          metadata={"description": "The whole number or exactly its last four "
                                    "digits (consultant, front desk; logged)"})
    q = fields.String(validate=validate.Length(min=1, max=60),
                      metadata={"description": "Code, name, or (consultant, front desk) the "
                                "whole phone number or its last four digits"})
    status = fields.String(validate=validate.OneOf([s.value for s in AppointmentStatus]))
    expert_id = fields.Integer(validate=ID_RANGE)
    slot_id = fields.List(fields.Integer(validate=ID_RANGE), validate=validate.Length(max=200),
                          metadata={"description": "in these slots (repeat the parameter): "
                                    "who a leave would affect"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CancelIn(Schema):
    reason = fields.String(load_default=CancelReason.PATIENT.value, validate=validate.OneOf(
        [r.value for r in CancelReason]), metadata={
        "description": "patient, hospital or expert_unavailable; the last two offer the "
                       "patient alternatives, as a leave does"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))


class RescheduleIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)


def _book(data: dict[str, Any], endpoint: str, walk_in: bool) -> Any:
    # a patient's fields the rules refuse: 422, naming the field
    patient = clean_patient(data["patient"], runtime().settings.phone_region)
    request = BookingRequest(
        patient=patient,
        channel=data.get("channel", Channel.WALK_IN.value),
        slot_id=data.get("slot_id"), hold_id=data.get("hold_id"),
        complaint=data["complaint"], override_reason=data.get("override_reason"),
        walk_in=walk_in, overbook_reason=data.get("overbook_reason"),
        by_name=current_principal().name)

    def answer(w: Work[Any], facts: AppointmentFacts) -> Any:
        return APPOINTMENT.dump(staff_view(
            facts, contact=True, complaint=True,
            patient_link=link_for(w.session, w.desk, facts), with_confirmation=True))

    return book_once(endpoint, data, request, answer)


Answer = Callable[[Work[Any], AppointmentFacts], Any]


def book_once(endpoint: str, data: Any, request: BookingRequest, answer: Answer) -> Response:
    """The one way a request books, whatever it came as (this API, a walk-in, ``/fhir``):
    the read-only refusals first, then :func:`book` in the request's unit of work, once
    per ``Idempotency-Key`` (``data`` is what the key's request is compared by), answered
    with ``answer(work, facts)``."""
    seen: list[SlotAtHand | None] = [None]  # the early read's slot, for the booking

    def early(w: Work[Any]) -> None:
        seen[0] = refuse_early(w.session, w.desk, request)

    def booked(w: Work[Any]) -> Any:
        return answer(w, book(w.session, w.desk, request, seen[0]))

    refuse_if_known_shut(request)  # a full or stopped slot: from memory (api/shut.py)
    # The confirmation text is pasted to the patient: the hospital's facts as they are now,
    # as the SMS will say them, not as this process kept them a few seconds ago.
    return idempotency.once(endpoint, data, booked, precheck=early, fresh_hospital=True)


@blp.route("/appointments")
class Appointments(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(BOOKING_IN)
    @blp.response(201, AppointmentSchema)
    @blp.alt_response(409, description="Full, duplicate, hold expired, or needs an override")
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Book a place from a slot or from your hold."""
        return _book(data, "appointments", walk_in=False)

    @roles_required(*READERS)
    @blp.arguments(SearchQuery, location="query")
    @blp.response(200, AppointmentSchema(many=True))
    @blp.alt_response(403, description="phone_search_not_allowed: managers and admins "
                      "cannot search by phone")
    @blp.alt_response(422, description="phone_fragment: neither a whole number nor "
                      "exactly its last four digits")
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Find appointments by date, code, name or phone. A phone (``phone``, or digits in
        ``q``) is the whole number or exactly its last four digits, for consultants and the
        front desk only; each search by phone is written to the access log."""
        principal = current_principal()
        region = runtime().settings.phone_region
        phone = (phone_search(query["phone"], principal.roles, region)
                 if query.get("phone") else None)
        q = query.get("q")
        q_phone = phone_in_text(q, principal.roles, region) if q else None
        by_phone = phone or q_phone
        # a search by phone writes its access-log rows in the same transaction
        with (work() if by_phone else reading()) as w:
            found = search(w.session, w.desk, day=query.get("date"), code=query.get("code"),
                           phone=phone, q=q, q_phone=q_phone,
                           status=query.get("status"), expert_id=query.get("expert_id"),
                           slot_ids=query.get("slot_id"), limit=query["limit"])
            if by_phone is not None:
                record_phone_search(w.session, w.desk, by_phone, [
                    facts.patient.id for facts in found if by_phone.matches(facts.patient.phone)])
            complaint = sees_contact(principal.roles)
            return [staff_view(facts, complaint=complaint) for facts in found]


@blp.route("/walk-ins")
class WalkIns(MethodView):
    @roles_required(*DESK)
    @blp.arguments(WalkInIn)
    @blp.response(201, AppointmentSchema)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Book and check in a patient who came without an appointment."""
        return _book(data, "walk-ins", walk_in=True)


@blp.route("/appointments/<int:appointment_id>")
class AppointmentResource(MethodView):
    @roles_required(*READERS)
    @blp.response(200, AppointmentSchema)
    def get(self, appointment_id: int) -> dict[str, Any]:
        """One appointment and its history. Consultants and the front desk get the
        patient's full contact data (the read is logged); others get it masked."""
        full = sees_contact(current_principal().roles)
        with work() as w:
            facts = load_facts(w.session, w.desk, appointment_id)
            if full:
                record_access(w.session, w.desk, facts.patient.id, Access.VIEW_APPOINTMENT,
                              facts.code)
            return staff_view(facts, contact=full, complaint=full,
                              history=history_of(w.session, facts.id))


Change = Callable[[Work[Any]], AppointmentFacts]
#: A change's answers (SPEC §7): 200 the appointment; a replayed key answers as the first.
CHANGED = "Idempotency-Key: the same key and body answer as the first time, without a " \
    "second change; the same key with another body (or appointment) is refused (422)"


def _change(endpoint: str, data: Any, change: Change) -> Response:
    """A change answers the appointment as it is now, contact data masked: the desk that
    made it already knows who the patient is. Once per ``Idempotency-Key``: a retry whose
    first answer was lost gets that answer, not ``wrong_status`` (``data`` and the path,
    so the appointment, are what the key's request is compared by)."""
    return idempotency.once(endpoint, data, lambda w: APPOINTMENT.dump(
        staff_view(change(w), complaint=True)), status=200)


@blp.route("/appointments/<int:appointment_id>/cancel")
class Cancel(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(CancelIn)
    @blp.response(200, AppointmentSchema, description=CHANGED)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any], appointment_id: int) -> Response:
        """Cancel (any time before the visit) and give the place back."""
        return _change("cancel", data, lambda w: changes.cancel(
            w.session, w.desk, appointment_id, CancelReason(data["reason"]), data["note"]))


@blp.route("/appointments/<int:appointment_id>/reschedule")
class Reschedule(MethodView):
    @roles_required(*BOOKERS)
    @blp.arguments(RescheduleIn)
    @blp.response(200, AppointmentSchema, description=CHANGED)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any], appointment_id: int) -> Response:
        """Move to another slot in one step."""
        return _change("reschedule", data, lambda w: changes.reschedule(
            w.session, w.desk, appointment_id, data["slot_id"]))


@blp.route("/appointments/<int:appointment_id>/resend")
class Resend(MethodView):
    @roles_required(*BOOKERS)
    @blp.response(200, AppointmentSchema, description=CHANGED)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, appointment_id: int) -> Response:
        """Send the confirmation again (SMS and email, as the patient consented); at most
        once in two minutes."""
        return _change("resend", {}, lambda w: changes.resend_confirmation(
            w.session, w.desk, appointment_id))


def _status_route(path: str, action: Action, doc: str) -> None:
    class StatusChange(MethodView):
        @roles_required(*DESK)
        @blp.arguments(ReasonIn)
        @blp.response(200, AppointmentSchema, description=CHANGED)
        @blp.doc(parameters=[idempotency.DOC])
        def post(self, data: dict[str, Any], appointment_id: int) -> Response:
            return _change(action.value, data, lambda w: changes.change_status(
                w.session, w.desk, appointment_id, action, data.get("reason")))

    StatusChange.post.__doc__ = doc
    StatusChange.__name__ = f"Status_{action.value}"
    blp.route(f"/appointments/<int:appointment_id>/{path}", endpoint=action.value)(StatusChange)


_status_route("check-in", Action.CHECK_IN, "The patient has arrived.")
_status_route("undo-check-in", Action.UNDO_CHECK_IN, "Undo a check-in made by mistake (reason).")
_status_route("no-show", Action.NO_SHOW, "The patient did not come.")
_status_route("undo-no-show", Action.UNDO_NO_SHOW, "Undo a no-show made by mistake (reason).")
_status_route("complete", Action.COMPLETE, "The visit is over.")
