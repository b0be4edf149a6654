"""``/api/v1/webhooks/sms/{provider}``: delivery receipts and patients' replies.

The gateway posts JSON: a receipt ``{"type": "receipt", "provider_id": …,
"status": "delivered" | "failed", "error": …}`` or a reply ``{"type": "inbound",
"from": "+86…", "text": "TD"}``. A reply that is an opt-out keyword (TD, 退订, STOP)
suppresses every later SMS to that number. When ``SMS_WEBHOOK_SECRET`` is set, the
gateway must send it in the ``X-Webhook-Secret`` header.
"""

from __future__ import annotations

import hmac
from typing import Any

import phonenumbers
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.common.db import utcnow
from services.common.web import API_PREFIX, runtime

from ..domain.consent import is_opt_out
from ..models import Message
from ..planning import suppress

blp = Blueprint("webhooks", __name__, url_prefix=f"{API_PREFIX}/webhooks",
                description="What SMS gateways tell us: receipts and replies.")

PROVIDERS = ("http", "outbox")


class WebhookIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["receipt", "inbound"]))
    provider_id = fields.String(validate=validate.Length(min=1, max=200))
    status = fields.String(validate=validate.OneOf(["delivered", "failed"]))
    error = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))
    from_ = fields.String(data_key="from", validate=validate.Length(min=3, max=40))
    text = fields.String(validate=validate.Length(max=1000))


class WebhookOut(Schema):
    result = fields.String(required=True)


def _check_secret() -> None:
    secret = runtime().settings.sms_webhook_secret
    given = request.headers.get("X-Webhook-Secret", "")
    if secret and not hmac.compare_digest(secret.encode(), given.encode()):
        abort(401, message="Unknown sender.")


@blp.route("/sms/<provider>")
class SmsWebhook(MethodView):
    @blp.doc(security=[])
    @blp.arguments(WebhookIn)
    @blp.response(200, WebhookOut)
    def post(self, data: dict[str, Any], provider: str) -> dict[str, str]:
        """A delivery receipt or an inbound reply from the SMS gateway."""
        if provider not in PROVIDERS:
            abort(404, message="No such SMS provider.")
        _check_secret()
        if data["type"] == "receipt":
            return {"result": receipt(data)}
        return {"result": inbound(data)}


def receipt(data: dict[str, Any]) -> str:
    if not data.get("provider_id") or not data.get("status"):
        abort(422, message="A receipt needs provider_id and status.")
    with runtime().db.transaction() as session:
        row = session.scalar(select(Message).where(Message.provider_id == data["provider_id"],
                                                   Message.channel == "sms"))
        if row is None:
            return "unknown message"
        if row.status in ("sent", "delivered"):
            row.status = data["status"]
            if data["status"] == "failed":
                row.last_error = data.get("error") or "failed at the carrier"
            row.updated_at = utcnow()
        return row.status


def inbound(data: dict[str, Any]) -> str:
    if not data.get("from_") or "text" not in data:
        abort(422, message="A reply needs from and text.")
    if not is_opt_out(data["text"]):
        return "ignored"
    rt = runtime()
    try:
        number = phonenumbers.parse(data["from_"], rt.settings.phone_region)
    except phonenumbers.NumberParseException:
        abort(422, message="The sender is not a phone number.")
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    with rt.db.transaction() as session:
        suppress(session, "sms", phone, "keyword", f"replied {data['text'].strip()[:20]}")
    return "opted out"
