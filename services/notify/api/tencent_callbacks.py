"""``/api/v1/sms/tencent/<secret>/status`` and ``/reply``: what Tencent Cloud SMS pushes.

The status callback is a JSON array of delivery reports (``sid`` is the SerialNo that
SendSms answered, ``report_status`` SUCCESS or FAIL, ``errmsg`` the carrier's code);
the reply callback is one patient's reply (``nationcode``, ``mobile``, ``text``).
Both are answered ``{"result": 0, "errmsg": "OK"}`` as Tencent documents
(tencentcloud.com/document/api/382/43547 and 43548). Tencent signs neither, so the
path carries ``SMS_CALLBACK_SECRET`` (128+ random bits, configured in Tencent's
console as part of the callback URL): a wrong one is 404, as if the path did not exist.
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
from services.common.phones import mask_in_text
from services.common.unit_of_work import unit_of_work
from services.common.web import API_PREFIX, not_found

from ..config import runtime
from ..domain.recipients import reply_sender
from ..domain.statuses import MessageStatus
from ..ops.receipts import record_receipt, record_reply

log = logging.getLogger(__name__)

blp = Blueprint("tencent_callbacks", __name__, url_prefix=f"{API_PREFIX}/sms/tencent",
                description="What Tencent Cloud SMS pushes: delivery reports and replies.")

#: Who acts in a callback's unit of work: the vendor, not a member of staff.
TENCENT = "sms-tencent"
REPORTS = {"SUCCESS": MessageStatus.DELIVERED, "FAIL": MessageStatus.FAILED}


class StatusIn(Schema):
    class Meta:
        unknown = EXCLUDE  # Tencent may add fields

    sid = fields.String(required=True, validate=validate.Length(min=1, max=200))
    report_status = fields.String(required=True, validate=validate.OneOf(list(REPORTS)))
    errmsg = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=400))
    user_receive_time = fields.String(load_default="")
    nationcode = fields.String(load_default="")
    mobile = fields.String(load_default="")


class ReplyIn(Schema):
    class Meta:
        unknown = EXCLUDE

    nationcode = fields.String(load_default="86", validate=validate.Regexp(r"^\+?\d{1,4}$"))
    mobile = fields.String(required=True, validate=validate.Length(min=3, max=20))
    text = fields.String(required=True, validate=validate.Length(max=1000))
    sign = fields.String(load_default="")
    time = fields.Integer(load_default=None, allow_none=True)
    extend = fields.String(load_default="", allow_none=True)


class Answer(Schema):
    result = fields.Integer(required=True)
    errmsg = fields.String(required=True)


OK = {"result": 0, "errmsg": "OK"}


def tencent_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """404 unless the path's secret is ``SMS_CALLBACK_SECRET`` (compared in constant time),
    before the body is read: without the secret the path does not exist."""

    @functools.wraps(view)
    def wrapper(*args: Any, secret: str, **kwargs: Any) -> Any:
        expected = runtime().settings.sms_callback_secret
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            not_found("page")
        return view(*args, **kwargs)

    return wrapper


@blp.route("/<secret>/status")
class StatusCallback(MethodView):
    @blp.doc(security=[])
    @tencent_only
    @blp.arguments(StatusIn(many=True))
    @blp.response(200, Answer)
    def post(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        """Delivery reports: each marks its message delivered or failed at the carrier."""
        outcomes: dict[str, int] = {}
        with unit_of_work(runtime(), TENCENT) as w:
            for report in reports:
                status = REPORTS[report["report_status"]]
                error = None
                if status == MessageStatus.FAILED:
                    error = mask_in_text(f"tencent {report['errmsg']}: {report['description']}"
                                         .strip(": "), for_log=True)[:400]
                outcome = record_receipt(w.session, report["sid"], status, error, w.desk.now)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        log.info("tencent status callback: %d reports (%s)", len(reports),
                 ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
        return OK


@blp.route("/<secret>/reply")
class ReplyCallback(MethodView):
    @blp.doc(security=[])
    @tencent_only
    @blp.arguments(ReplyIn)
    @blp.response(200, Answer)
    def post(self, reply: dict[str, Any]) -> dict[str, Any]:
        """A patient's reply: TD, 退订 or STOP opts the number out of SMS."""
        raw = f"+{reply['nationcode'].lstrip('+')}{reply['mobile']}"
        with unit_of_work(runtime(), TENCENT) as w:
            phone = reply_sender(raw, w.rt.settings.phone_region)
            outcome = record_reply(w.session, phone, reply["text"], w.desk.now)
        log.info("tencent reply from %s: %s", mask_phone_in_log(phone), outcome)
        return OK
