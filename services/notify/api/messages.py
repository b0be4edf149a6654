"""``/api/v1/messages`` and ``/api/v1/opt-outs``: the message log, and patients who said no."""

from __future__ import annotations

from typing import Any

import phonenumbers
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.common.auth import roles_required
from services.common.db import utcnow
from services.common.fields import ID_RANGE
from services.common.logging import mask_email, mask_phone
from services.common.web import API_PREFIX, not_found, runtime, unprocessable

from ..models import Message, Suppression
from ..planning import suppress

blp = Blueprint("messages", __name__, url_prefix=API_PREFIX,
                description="The message log and the opt-out (suppression) list.")

STATUSES = ("queued", "sent", "delivered", "failed", "suppressed", "cancelled")


def masked(channel: str, recipient: str) -> str:
    return mask_phone(recipient) if channel == "sms" else mask_email(recipient)


class MessageQuery(Schema):
    appointment_id = fields.Integer(validate=ID_RANGE)
    status = fields.String(validate=validate.OneOf(STATUSES))
    channel = fields.String(validate=validate.OneOf(["sms", "email"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    appointment_id = fields.Integer(allow_none=True)
    event_type = fields.String()
    channel = fields.String(required=True)
    recipient = fields.String(required=True, metadata={"description": "masked"})
    template = fields.String(required=True)
    language = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String(metadata={"description": "the rendered text"})
    segments = fields.Integer()
    has_ics = fields.Boolean()
    send_after = fields.DateTime()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class OptOutIn(Schema):
    channel = fields.String(load_default="sms", validate=validate.OneOf(["sms", "email"]))
    recipient = fields.String(required=True, validate=validate.Length(min=3, max=254),
                              metadata={"description": "phone number or email address"})
    note = fields.String(load_default="", validate=validate.Length(max=400))


class OptOutSchema(Schema):
    id = fields.Integer(required=True)
    channel = fields.String(required=True)
    recipient = fields.String(required=True, metadata={"description": "masked"})
    source = fields.String()
    note = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


def message_view(row: Message) -> dict[str, Any]:
    return {**{c: getattr(row, c) for c in (
        "id", "appointment_id", "event_type", "channel", "template", "language", "status",
        "reason", "attempts", "last_error", "provider", "provider_id", "subject", "body",
        "segments", "send_after", "created_at", "sent_at")},
        "recipient": masked(row.channel, row.recipient), "has_ics": bool(row.ics)}


def opt_out_view(row: Suppression) -> dict[str, Any]:
    return {"id": row.id, "channel": row.channel, "recipient": masked(row.channel, row.recipient),
            "source": row.source, "note": row.note, "active": row.active,
            "created_at": row.created_at}


def normalise_recipient(channel: str, raw: str, region: str) -> str:
    raw = raw.strip()
    if channel == "email":
        if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
            unprocessable("recipient", "This is not an email address.")
        return raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        unprocessable("recipient", "This is not a phone number.")
    if not phonenumbers.is_valid_number(number):
        unprocessable("recipient", "This phone number does not exist.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@blp.route("/messages")
class Messages(MethodView):
    @roles_required("admin")
    @blp.arguments(MessageQuery, location="query")
    @blp.response(200, MessageSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Messages, newest first: channel, masked recipient, template, status, attempts."""
        statement = select(Message).order_by(Message.id.desc()).limit(query["limit"])
        for name in ("appointment_id", "status", "channel"):
            if name in query:
                statement = statement.where(getattr(Message, name) == query[name])
        with runtime().db.reading() as session:
            return [message_view(row) for row in session.scalars(statement)]


@blp.route("/opt-outs")
class OptOuts(MethodView):
    @roles_required("admin")
    @blp.response(200, OptOutSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Everyone who asked not to be written to."""
        with runtime().db.reading() as session:
            rows = session.scalars(select(Suppression).order_by(Suppression.id.desc()))
            return [opt_out_view(row) for row in rows]

    @roles_required("admin", "consultant", "frontdesk")
    @blp.arguments(OptOutIn)
    @blp.response(201, OptOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Stop all further messages to this phone or address on this channel."""
        rt = runtime()
        recipient = normalise_recipient(data["channel"], data["recipient"],
                                        rt.settings.phone_region)
        with rt.db.transaction() as session:
            return opt_out_view(suppress(session, data["channel"], recipient, "api",
                                         data["note"]))


@blp.route("/opt-outs/<int:opt_out_id>")
class OptOutResource(MethodView):
    @roles_required("admin")
    @blp.response(204)
    def delete(self, opt_out_id: int) -> None:
        """The patient opted in again: messages may go to them from now on."""
        with runtime().db.transaction() as session:
            row = session.get(Suppression, opt_out_id) or not_found("opt-out")
            row.active = False
            row.note = f"{row.note} (opted in again {utcnow():%Y-%m-%d})".strip()
