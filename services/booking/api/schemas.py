"""Marshmallow schemas shared by booking's blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.fields import ID_RANGE, BirthDate, Day

from ..domain.patients import Sex
from ..domain.statuses import AppointmentStatus, Channel


class PatientIn(Schema):
    """``{"id": N}`` for a returning patient (other fields update them), or a patient's
    fields. A field left out keeps what is stored; it never erases it."""

    id = fields.Integer(validate=ID_RANGE, metadata={"description": "A returning patient"})
    name = fields.String(validate=validate.Length(min=1, max=120))
    phone = fields.String(validate=validate.Length(min=3, max=40),
                          metadata={"example": "138 0013 8000"})
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    sms_consent = fields.Boolean()
    email_consent = fields.Boolean()
    satisfaction_consent = fields.Boolean(metadata={
        "description": "agreed to a satisfaction call-back after the visit (off by default)"})
    id_number = fields.String(validate=validate.Length(min=15, max=24),
                              metadata={"description": "居民身份证号, checksum checked"})
    birth_date = BirthDate()
    sex = fields.String(validate=validate.OneOf([s.value for s in Sex]))
    guardian_name = fields.String(validate=validate.Length(min=1, max=120),
                                  metadata={"description": "A child's parent"})


class PatientOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={
        "description": "full to consultant and front desk on one record; masked elsewhere"})
    mobile = fields.Boolean(metadata={"description": "the phone can receive SMS"})
    email = fields.String(allow_none=True)
    sms_consent = fields.Boolean()
    email_consent = fields.Boolean()
    satisfaction_consent = fields.Boolean()
    id_number = fields.String(allow_none=True, metadata={"description": "always masked"})
    birth_date = BirthDate(allow_none=True)
    sex = fields.String(allow_none=True)
    guardian_name = fields.String(allow_none=True)


class ExpertRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String()
    fee = fields.String()


class DepartmentRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    location = fields.String()


class StatusChangeOut(Schema):
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    by = fields.String(required=True)
    reason = fields.String(allow_none=True)


class AppointmentSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in AppointmentStatus]))
    queue_number = fields.Integer(required=True)
    slot_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    session = fields.String()
    channel = fields.String(validate=validate.OneOf([c.value for c in Channel]))
    complaint = fields.String()
    overbooked = fields.Boolean()
    overbook_reason = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)
    expert = fields.Nested(ExpertRef, required=True)
    department = fields.Nested(DepartmentRef, allow_none=True)
    patient = fields.Nested(PatientOut, required=True)
    booked_by = fields.String()
    created_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    cancel_note = fields.String(allow_none=True)
    history = fields.List(fields.Nested(StatusChangeOut),
                          metadata={"description": "every status change, oldest first"})
    patient_link = fields.String(metadata={"description": "the patient's own link: only in "
                                           "the answer to a booking"})
    confirmation_text = fields.String(metadata={"description": "Ready to paste into the chat"})


class ReasonIn(Schema):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=400))
