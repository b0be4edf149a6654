"""``/api/v1/webhooks/sms/{provider}``: delivery receipts and patients' replies.

The gateway posts JSON: a receipt ``{"type": "receipt", "provider_id": …,
"status": "delivered" | "failed", "error": …}`` or a reply ``{"type": "inbound",
"from": "+86…", "text": "TD"}``. A reply that is an opt-out keyword (TD, 退订, STOP)
suppresses every later SMS to that number. Every call is signed (see
:mod:`..domain.signatures`); an unsigned or forged one gets 401 and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.refusals import Invalid, NotFound
from services.common.unit_of_work import unit_of_work
from services.common.web import API_PREFIX, abort

from ..config import runtime
from ..domain.recipients import reply_sender
from ..domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, why_refused
from ..domain.statuses import MessageStatus
from ..ops.receipts import record_receipt, record_reply

blp = Blueprint("webhooks", __name__, url_prefix=f"{API_PREFIX}/webhooks",
                description="What SMS gateways tell us: receipts and replies.")

PROVIDERS = ("http", "outbox")
#: Who acts in a webhook's unit of work: the gateway that signed it, not a member of staff.
GATEWAY = "sms-gateway"


class WebhookIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["receipt", "inbound"]))
    provider_id = fields.String(validate=validate.Length(min=1, max=200))
    status = fields.String(validate=validate.OneOf(["delivered", "failed"]))
    error = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))
    from_ = fields.String(data_key="from", validate=validate.Length(min=3, max=40))
    text = fields.String(validate=validate.Length(max=1000))


class WebhookOut(Schema):
    result = fields.String(required=True)


def gateway_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse, before the body is even read as fields, a call the gateway did not sign."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rt = runtime()
        why = why_refused(rt.settings.sms_webhook_secret,
                          request.headers.get(TIMESTAMP_HEADER),
                          request.headers.get(SIGNATURE_HEADER), request.get_data(cache=True),
                          rt.now().timestamp())
        if why:
            abort(401, message=f"Unknown sender: {why}")
        return view(*args, **kwargs)

    return wrapper


@blp.route("/sms/<provider>")
class SmsWebhook(MethodView):
    @blp.doc(security=[], parameters=[
        {"in": "header", "name": TIMESTAMP_HEADER, "required": True,
         "schema": {"type": "integer"}},
        {"in": "header", "name": SIGNATURE_HEADER, "required": True,
         "schema": {"type": "string", "pattern": "^v1=[0-9a-f]{64}$"}}])
    @gateway_only
    @blp.arguments(WebhookIn)
    @blp.response(200, WebhookOut)
    def post(self, data: dict[str, Any], provider: str) -> dict[str, str]:
        """A delivery receipt or an inbound reply from the SMS gateway."""
        if provider not in PROVIDERS:
            raise NotFound("SMS provider")
        if data["type"] == "receipt":
            return {"result": receipt(data)}
        return {"result": inbound(data)}


def receipt(data: dict[str, Any]) -> str:
    if not data.get("provider_id") or not data.get("status"):
        raise Invalid(message="A receipt needs provider_id and status.")
    with unit_of_work(runtime(), GATEWAY) as w:
        return record_receipt(w.session, data["provider_id"], MessageStatus(data["status"]),
                              data.get("error"), w.desk.now)


def inbound(data: dict[str, Any]) -> str:
    if not data.get("from_") or "text" not in data:
        raise Invalid(message="A reply needs from and text.")
    with unit_of_work(runtime(), GATEWAY) as w:
        phone = reply_sender(data["from_"], w.rt.settings.phone_region)
        return record_reply(w.session, phone, data["text"], w.desk.now)
