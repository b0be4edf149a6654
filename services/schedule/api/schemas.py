"""Marshmallow schemas shared by schedule's blueprints."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.common.fields import Day


def hhmm(**kwargs: Any) -> fields.Time:
    return fields.Time(format="%H:%M", metadata={"example": "08:00", "format": "HH:MM"}, **kwargs)


class SessionShape(Schema):
    start = hhmm(required=True)
    end = hhmm(required=True)
    slot_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    capacity_per_slot = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))


class SlotSchema(Schema):
    """A slot, its times in the hospital's zone with the offset."""

    slot_id = fields.Integer(required=True)
    expert_id = fields.Integer(required=True)
    date = Day(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    capacity = fields.Integer(required=True)
    session = fields.String(required=True, metadata={"example": "08:00-11:30"})
    status = fields.String(required=True, validate=validate.OneOf(["active", "cancelled"]))
    origin = fields.String(required=True, validate=validate.OneOf(["template", "extra"]))
    cancel_reason = fields.String(allow_none=True)


