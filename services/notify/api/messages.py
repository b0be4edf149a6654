"""``/api/v1/messages``: the message log."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.fields import ID_RANGE
from services.common.web import API_PREFIX, reading

from ..domain.statuses import MessageStatus
from ..reads.messages import messages

blp = Blueprint("messages", __name__, url_prefix=API_PREFIX,
                description="The message log: every SMS and email, and what became of it.")

STATUSES = [s.value for s in MessageStatus]


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


@blp.route("/messages")
class Messages(MethodView):
    @roles_required("admin")
    @blp.arguments(MessageQuery, location="query")
    @blp.response(200, MessageSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Messages, newest first: channel, masked recipient, template, status, attempts."""
        with reading() as look:
            return messages(look.session, **query)
