"""``/api/v1/sms/aliyun/<SMS_CALLBACK_SECRET>/report`` and ``…/up``: what Alibaba Cloud
pushes back (HTTP batch push mode): delivery receipts (``SmsReport``) and patients'
replies (``SmsUp``), each a JSON array of one or more items.

Alibaba Cloud signs none of these pushes, so the path's secret (128+ bits, compared in
constant time) is the key: a wrong one is a 404, as for any unknown address. We answer
``{"code": 0, "msg": "成功"}`` with HTTP 200 (anything else and it pushes again, up to
three times). A reply that is an opt-out keyword (TD, 退订, STOP) suppresses every later
SMS to that number. See docs/sms-providers.md.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from services.common.logging import mask_phone_in_log
from services.common.refusals import Invalid
from services.common.unit_of_work import unit_of_work
from services.common.web import API_PREFIX, abort

from ..config import runtime
from ..domain.recipients import reply_sender
from ..domain.statuses import MessageStatus
from ..ops.carrier_receipts import record_carrier_receipt
from ..ops.receipts import record_reply

log = logging.getLogger(__name__)

blp = Blueprint("aliyun_callbacks", __name__, url_prefix=f"{API_PREFIX}/sms/aliyun",
                description="What Alibaba Cloud SMS pushes back: receipts and replies.")

#: Who acts in a callback's unit of work: the vendor that pushed it.
ALIYUN = "aliyun-sms"
ACK = {"code": 0, "msg": "成功"}


class ReportIn(Schema):
    """One ``SmsReport`` item (Alibaba Cloud's documented fields)."""

    class Meta:
        unknown = EXCLUDE

    phone_number = fields.String(load_default=None)
    send_time = fields.String(load_default=None)
    report_time = fields.String(load_default=None)
    success = fields.Boolean(required=True)
    err_code = fields.String(load_default=None, validate=validate.Length(max=100))
    err_msg = fields.String(load_default=None, validate=validate.Length(max=400))
    sms_size = fields.Raw(load_default=None)
    biz_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    out_id = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))


class UpIn(Schema):
    """One ``SmsUp`` item: a patient's reply."""

    class Meta:
        unknown = EXCLUDE

    phone_number = fields.String(required=True, validate=validate.Length(min=3, max=40))
    send_time = fields.String(load_default=None)
    content = fields.String(required=True, validate=validate.Length(max=1000))
    sign_name = fields.String(load_default=None)
    dest_code = fields.String(load_default=None)
    sequence_id = fields.Raw(load_default=None)  # a number or a string, as versions of the page say


class AckOut(Schema):
    code = fields.Integer(required=True)
    msg = fields.String(required=True)


def vendor_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse, as an unknown address, a push whose path lacks the callback secret."""

    @functools.wraps(view)
    def wrapper(*args: Any, secret: str, **kwargs: Any) -> Any:
        expected = runtime().settings.sms_callback_secret
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            abort(404, message="Not Found")
        return view(*args, **kwargs)

    return wrapper


@blp.route("/<secret>/report")
class SmsReport(MethodView):
    @blp.doc(security=[])
    @vendor_only
    @blp.arguments(ReportIn(many=True))
    @blp.response(200, AckOut)
    def post(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        """Delivery receipts: each marks its message delivered or failed (with the code)."""
        outcomes: dict[str, int] = {}
        with unit_of_work(runtime(), ALIYUN) as w:
            for report in reports:
                status = MessageStatus.DELIVERED if report["success"] else MessageStatus.FAILED
                error = None if report["success"] else _carrier_error(report)
                result = record_carrier_receipt(w.session, report["biz_id"], report["out_id"],
                                                status, error, w.desk.now)
                outcomes[result] = outcomes.get(result, 0) + 1
        log.info("aliyun SmsReport: %d receipts (%s)", len(reports), _counts(outcomes))
        return ACK


@blp.route("/<secret>/up")
class SmsUp(MethodView):
    @blp.doc(security=[])
    @vendor_only
    @blp.arguments(UpIn(many=True))
    @blp.response(200, AckOut)
    def post(self, replies: list[dict[str, Any]]) -> dict[str, Any]:
        """Patients' replies: TD, 退订 or STOP opts that number out of SMS."""
        outcomes: dict[str, int] = {}
        with unit_of_work(runtime(), ALIYUN) as w:
            for reply in replies:
                try:
                    phone = reply_sender(reply["phone_number"], w.rt.settings.phone_region)
                except Invalid:
                    log.warning("aliyun SmsUp: a reply from %s is not from a phone number; "
                                "skipped", mask_phone_in_log(reply["phone_number"]))
                    outcomes["skipped"] = outcomes.get("skipped", 0) + 1
                    continue
                result = record_reply(w.session, phone, reply["content"], w.desk.now)
                outcomes[result] = outcomes.get(result, 0) + 1
        log.info("aliyun SmsUp: %d replies (%s)", len(replies), _counts(outcomes))
        return ACK


def _carrier_error(report: dict[str, Any]) -> str:
    code = report.get("err_code") or "UNKNOWN"
    text = (report.get("err_msg") or "").strip()
    return f"aliyun {code}: {text[:100]}" if text else f"aliyun {code}"


def _counts(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{count} {what}" for what, count in sorted(outcomes.items()))
