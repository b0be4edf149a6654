"""``/api/v1/patients``: returning patients for the desks; export and erasure for admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.contracts import plain
from services.common.fields import ID_RANGE, Day, Export
from services.common.web import API_PREFIX, abort, reading, work

from ..config import runtime
from ..domain.patients import InvalidPatient, normalise_phone
from ..domain.privacy import Access, phone_search
from ..ops.access import record_access, record_phone_search
from ..ops.erasure import erase
from ..reads.patients import appointments_of, export_of, find_patients, get_patient, record_of
from .schemas import PatientOut
from .views import patient_view

blp = Blueprint("patients", __name__, url_prefix=API_PREFIX,
                description="Patients: found by the desks, exported or erased for PIPL.")

DESKS = ("consultant", "frontdesk")


class PatientQuery(Schema):
    phone = fields.String(validate=validate.Length(min=4, max=40), metadata={
        "description": "The whole number or exactly its last four digits (consultant, "
                       "front desk; logged)"})
    q = fields.String(validate=validate.Length(min=1, max=60),
                      metadata={"description": "A part of the name"})
    code = fields.String(validate=validate.Length(min=1, max=20),
                         metadata={"description": "The code of one of their appointments"})
    id = fields.Integer(validate=ID_RANGE, metadata={"description": "The patient's id"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PatientAppointment(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    status = fields.String(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    expert = fields.String()
    queue_number = fields.Integer()
    cancel_reason = fields.String(allow_none=True)


class PatientRecord(PatientOut):
    appointments = fields.List(fields.Nested(PatientAppointment))


class EraseIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200),
                           metadata={"description": "Why, e.g. the patient's request of "
                                     "2026-11-20 by letter"})


class EraseOut(Schema):
    patient_id = fields.Integer(required=True)
    appointments = fields.Integer(required=True, metadata={
        "description": "appointments kept as counts, with nothing personal"})


class PhoneQuery(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))


class PhoneCheck(Schema):
    valid = fields.Boolean(required=True)
    mobile = fields.Boolean(required=True, metadata={"description": "can receive SMS"})
    message = fields.String()


@blp.route("/patients")
class Patients(MethodView):
    @roles_required(*DESKS, "admin")
    @blp.arguments(PatientQuery, location="query")
    @blp.response(200, PatientOut(many=True))
    @blp.alt_response(403, description="phone_search_not_allowed: an admin cannot search "
                      "by phone")
    @blp.alt_response(422, description="phone_fragment: neither a whole number nor "
                      "exactly its last four digits")
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Returning patients by phone, name, appointment code or id, contact data masked:
        the desks pick one and open it to fill the form (a search by phone is logged); an
        admin finds the one whose data to export or erase (never by phone)."""
        if not any(query.get(k) for k in ("phone", "q", "code", "id")):
            abort(422, message="Give a phone number, a part of the name, an appointment "
                  "code or an id.", errors={"query": {"q": [
                      "Give a phone number, a part of the name, an appointment code or "
                      "an id."]}})
        phone = (phone_search(query["phone"], current_principal().roles,
                              runtime().settings.phone_region) if query.get("phone") else None)
        # a search by phone writes its access-log rows in the same transaction
        with (work() if phone else reading()) as w:
            found = find_patients(w.session, phone=phone, q=query.get("q"),
                                  code=query.get("code"), patient_id=query.get("id"),
                                  limit=query["limit"])
            if phone is not None:
                record_phone_search(w.session, w.desk, phone, [p.id for p in found])
            return [patient_view(record_of(p), contact=False) for p in found]


@blp.route("/patients/<int:patient_id>")
class PatientResource(MethodView):
    @roles_required(*DESKS)
    @blp.response(200, PatientRecord)
    def get(self, patient_id: int) -> dict[str, Any]:
        """One patient with full contact data and their appointments; the read is logged."""
        with work() as w:
            patient = get_patient(w.session, patient_id)
            record_access(w.session, w.desk, patient.id, Access.VIEW_PATIENT)
            return {**patient_view(record_of(patient), contact=True),
                    "appointments": appointments_of(w.session, w.desk, patient.id)}


@blp.route("/patients/<int:patient_id>/export")
class PatientExport(MethodView):
    @roles_required("admin")
    @blp.response(200, Export)
    def get(self, patient_id: int) -> dict[str, Any]:
        """Everything booking holds on the patient, unmasked, for their request (PIPL);
        the export is logged."""
        with work() as w:
            record_access(w.session, w.desk, patient_id, Access.EXPORT)
            return plain(export_of(w.session, patient_id))


@blp.route("/patients/<int:patient_id>/erase")
class PatientErase(MethodView):
    @roles_required("admin")
    @blp.arguments(EraseIn)
    @blp.response(200, EraseOut)
    def post(self, data: dict[str, Any], patient_id: int) -> dict[str, Any]:
        """Forget the patient: future appointments cancelled without a message, every
        personal detail emptied here, then in notify and followup by event."""
        with work() as w:
            kept = erase(w, patient_id, data["reason"])
        runtime().db.checkpoint()  # SQLite: the pages from before the erasure leave the -wal file
        return {"patient_id": patient_id, "appointments": len(kept)}


@blp.route("/phone-check")
class PhoneNumberCheck(MethodView):
    @roles_required(*DESKS)
    @blp.arguments(PhoneQuery, location="query")
    @blp.response(200, PhoneCheck)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Whether a number exists and can receive SMS, before it is booked with."""
        try:
            phone = normalise_phone(query["phone"], runtime().settings.phone_region)
        except InvalidPatient as exc:
            return {"valid": False, "mobile": False, "message": str(exc)}
        message = "" if phone.mobile else "Not a mobile number: no SMS can reach it."
        return {"valid": True, "mobile": phone.mobile, "message": message}
