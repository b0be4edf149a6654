"""The patient's link: one appointment, shown and cancellable, nothing else.

``/api/v1/patient-link/{token}`` answers JSON; ``/p/{token}`` is the page the SMS
links to. The token is the only credential: it names one appointment and
expires a day after the visit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import render_template, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from services.common.web import API_PREFIX, runtime

from .. import appointments as ops
from .. import patient_link
from ..desk import open_desk
from ..models import Appointment, Department, Expert, Patient, Slot
from .errors import refusals

blp = Blueprint("patient_link", __name__, url_prefix=f"{API_PREFIX}/patient-link",
                description="What a patient's signed link shows and allows.")
pages = PageBlueprint("patient_pages", __name__)

PATIENT = "patient"


class PatientView(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True)
    queue_number = fields.Integer(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    patient_name = fields.String(metadata={"description": "masked: 张*"})
    expert = fields.String()
    expert_title = fields.String()
    department = fields.String()
    location = fields.String()
    hospital = fields.Dict()
    can_cancel = fields.Boolean(required=True)
    cancel_until = fields.DateTime(required=True)


def _appointment(session: Any, token: str) -> Appointment:
    try:
        appointment_id, code = patient_link.verify(runtime().settings.jwt_secret, token)
    except patient_link.InvalidLink as exc:
        abort(404, message=str(exc))
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.code != code:
        abort(404, message="This link is not valid or has expired.")
    return appointment


def patient_view(session: Any, token: str) -> dict[str, Any]:
    rt = runtime()
    appointment = _appointment(session, token)
    desk = open_desk(session, rt.settings, PATIENT)
    slot = session.get(Slot, appointment.slot_id)
    expert = session.get(Expert, appointment.expert_id)
    department = session.get(Department, appointment.department_id)
    patient = session.get(Patient, appointment.patient_id)
    cutoff = desk.cancel_window.patient_cutoff_minutes
    cancel_until = appointment.start_at - timedelta(minutes=cutoff)
    return {
        "code": appointment.code, "status": appointment.status,
        "queue_number": appointment.queue_number,
        "start": slot.start_at.astimezone(desk.zone), "end": slot.end_at.astimezone(desk.zone),
        "patient_name": (patient.name[:1] + "*") if patient else "",
        "expert": expert.name if expert else "", "expert_title": expert.title if expert else "",
        "department": department.name if department else "",
        "location": department.location if department else "",
        "hospital": desk.hospital,
        "can_cancel": appointment.status == "booked" and desk.now < cancel_until,
        "cancel_until": cancel_until.astimezone(desk.zone),
    }


def cancel_by_patient(token: str) -> None:
    rt = runtime()
    with refusals(), rt.db.transaction() as session:
        appointment = _appointment(session, token)
        desk = open_desk(session, rt.settings, PATIENT)
        ops.cancel(session, desk, appointment, "patient", "cancelled through the patient link",
                   by_patient=True)


@blp.route("/<token>")
class PatientLink(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PatientView)
    def get(self, token: str) -> dict[str, Any]:
        """The appointment the link names."""
        with runtime().db.reading() as session:
            return patient_view(session, token)


@blp.route("/<token>/cancel")
class PatientCancel(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PatientView)
    def post(self, token: str) -> dict[str, Any]:
        """Cancel the appointment, until the patient's cut-off (default 2 hours before)."""
        cancel_by_patient(token)
        with runtime().db.reading() as session:
            return patient_view(session, token)


@pages.route("/p/<token>", methods=["GET", "POST"])
def patient_page(token: str) -> Any:
    """The page the SMS links to; a plain form posts the cancellation."""
    message = None
    if request.method == "POST":
        cancel_by_patient(token)
        message = "cancelled"
    with runtime().db.reading() as session:
        view = patient_view(session, token)
    return render_template("patient_link.html", view=view, message=message)
