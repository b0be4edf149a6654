"""Marshmallow schemas shared by booking's blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.fields import Day

from ..domain.rules import CHANNELS, STATUSES


class PatientIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=40),
                          metadata={"example": "138 0013 8000"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    sms_consent = fields.Boolean(load_default=False)
    email_consent = fields.Boolean(load_default=False)


class PatientOut(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "masked in lists"})
    email = fields.String(allow_none=True)
    sms_consent = fields.Boolean()
    email_consent = fields.Boolean()


class ExpertRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String()
    fee = fields.String()


class DepartmentRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    location = fields.String()


class Alternative(Schema):
    slot_id = fields.Integer(required=True)
    expert_id = fields.Integer()
    expert_name = fields.String()
    start = fields.String()
    local_start = fields.String()
    remaining = fields.Integer()


class AppointmentSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    queue_number = fields.Integer(required=True)
    slot_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    session = fields.String()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
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
    patient_link = fields.String(metadata={"description": "Signed link for the patient"})
    confirmation_text = fields.String(metadata={"description": "Ready to paste into the chat"})


class ReasonIn(Schema):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=400))
