"""Alibaba Cloud SMS (Dysmsapi, API version 2017-05-25) through its official SDK.

A carrier platform delivers only registered templates under a registered signature, so
a message goes as ``TemplateCode`` + ``TemplateParam`` (the variables as JSON), never as
text. The SDK signs every request (ACS3-HMAC-SHA256); nothing here signs by hand.

``SendSms`` is not idempotent (Alibaba Cloud's own note on the API): a send whose answer
was lost may have reached the phone. Our reference goes as ``OutId``; before such a
message is ever sent again the sender asks :meth:`AliyunProvider.lookup`, which searches
``QuerySendDetails`` (by phone and day) for that ``OutId``. See docs/sms-providers.md.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest, SendSmsRequest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config

from services.common.logging import mask_phone_in_log

from .base import THIS_MESSAGE, THROTTLE, Outgoing, PermanentError, TransientError

log = logging.getLogger(__name__)

#: Alibaba Cloud keeps its send records by the day in China Standard Time (``SendDate``).
VENDOR_ZONE = ZoneInfo("Asia/Shanghai")
#: A send this close to midnight may be filed under the neighbouring day as well.
NEAR_MIDNIGHT = timedelta(hours=1)
PAGE_SIZE = 50  # QuerySendDetails' largest page
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

#: Codes that mean "not now": the platform is busy, or asks us to slow down. Throttling
#: codes carry a hint (seconds) the sender waits at least before trying again.
THROTTLED = {
    "Throttling": 1.0, "Throttling.User": 1.0, "Throttling.Api": 1.0,
    # per-number flow control (1 a minute, 5 an hour, 10 a day for one signature)
    "isv.BUSINESS_LIMIT_CONTROL": 60.0,
}
#: Of those, the ones about one phone number: only that message waits (the API's own
#: flow control pauses the whole sender instead).
PER_NUMBER = {"isv.BUSINESS_LIMIT_CONTROL"}
TRANSIENT = {
    "isp.SYSTEM_ERROR": "Alibaba Cloud system error",
    "isp.GATEWAY_ERROR": "Alibaba Cloud gateway error",
    "isp.UNKNOWN": "Alibaba Cloud unknown error",
    "InternalError": "Alibaba Cloud internal error",
    "ServiceUnavailable": "Alibaba Cloud unavailable",
}
#: Codes that will never go through as they are: the number, the template, the
#: signature, the variables or the account is wrong. The message is failed with the code.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL": "invalid phone number",
    "isv.MOBILE_COUNT_OVER_LIMIT": "too many phone numbers",
    "isv.SMS_TEMPLATE_ILLEGAL": "template code unknown or not approved",
    "isv.SMS_SIGNATURE_ILLEGAL": "signature unknown or not approved",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "signature and template types do not match",
    "isv.SIGN_STATE_ILLEGAL": "signature unavailable",
    "isv.TEMPLATE_PARAMS_ILLEGAL": "a variable does not fit its registered type",
    "isv.TEMPLATE_MISSING_PARAMETERS": "a template variable is missing",
    "isv.INVALID_JSON_PARAM": "TemplateParam is not valid JSON",
    "isv.INVALID_PARAMETERS": "invalid parameters",
    "isv.PARAM_LENGTH_LIMIT": "a variable is too long",
    "isv.PARAM_NOT_SUPPORT_URL": "a variable holds a link",
    "isv.BLACK_KEY_CONTROL_LIMIT": "a variable holds a forbidden word",
    "isv.SMS_CONTENT_ILLEGAL": "the text holds forbidden content",
    "isv.AMOUNT_NOT_ENOUGH": "account balance too low",
    "isv.OUT_OF_SERVICE": "account suspended (balance)",
    "isv.ACCOUNT_NOT_EXISTS": "account does not exist",
    "isv.ACCOUNT_ABNORMAL": "account abnormal",
    "isv.PRODUCT_UN_SUBSCRIPT": "SMS service not activated",
    "isv.DAY_LIMIT_CONTROL": "the account's daily limit is reached",
    "isv.MONTH_LIMIT_CONTROL": "the account's monthly limit is reached",
    "isp.RAM_PERMISSION_DENY": "the access key lacks the SMS permission",
    "SignatureDoesNotMatch": "request signature refused (wrong access key secret?)",
    "IncompleteSignature": "request signature incomplete",
    "InvalidAccessKeyId.NotFound": "access key id unknown",
    "InvalidAccessKeyId.Inactive": "access key disabled",
    "InvalidTimeStamp.Expired": "our clock is more than 15 minutes off",
    "MissingParameter": "a required parameter is missing",
}


def vendor_number(e164: str) -> str:
    """The number as Alibaba Cloud takes it: 11 digits for the Chinese mainland, the
    country code and number without ``+`` elsewhere."""
    digits = e164.lstrip("+")
    return digits[2:] if e164.startswith("+86") else digits


def error_for(code: str, retry_after: float | None = None) -> Exception:
    """Our error for one of Alibaba Cloud's codes. Its ``Message`` is not kept: the
    code names the fault and can be looked up, and a message may repeat the input."""
    if code in THROTTLED:
        hint = max(retry_after or 0.0, THROTTLED[code])
        return TransientError(f"aliyun {code}: slow down", retry_after=hint,
                              kind=THIS_MESSAGE if code in PER_NUMBER else THROTTLE)
    if code in TRANSIENT:
        return TransientError(f"aliyun {code}: {TRANSIENT[code]}")
    if code in PERMANENT:
        return PermanentError(f"aliyun {code}: {PERMANENT[code]}")
    if code.startswith("isp."):  # the platform's own side: worth another try
        return TransientError(f"aliyun {code}")
    return PermanentError(f"aliyun {code}")


def sdk_error(exc: Exception) -> Exception:
    """Our error for what the SDK raised: an answer with a code (4xx, 5xx, throttled),
    or no answer at all (refused, dropped, timed out)."""
    if isinstance(exc, AlibabaCloudException):
        code = str(exc.code or "")
        retry_after = None
        if isinstance(exc, ThrottlingException) and exc.retry_after:
            retry_after = float(exc.retry_after) / 1000  # x-acs-retry-after: milliseconds
            if code not in THROTTLED:
                return TransientError(f"aliyun {code or 'throttled'}: slow down",
                                      retry_after=retry_after, kind=THROTTLE)
        if code and code != "None":
            error = error_for(code, retry_after)
            if isinstance(error, PermanentError) and (exc.status_code or 0) >= 500:
                return TransientError(f"aliyun {code} (HTTP {exc.status_code})")
            return error
        return TransientError(f"aliyun answered HTTP {exc.status_code}")
    # No answer we could read: the request may have reached Alibaba Cloud, which does not
    # de-duplicate, so the next attempt asks QuerySendDetails before sending again.
    return TransientError(f"aliyun unreachable or no answer: {type(exc).__name__}",
                          in_doubt=True)


def sdk_config(*, access_key_id: str, access_key_secret: str, region: str, endpoint: str,
               timeout: float) -> Config:
    """The SDK's settings. ``endpoint`` is a host (HTTPS, as in production) or, for a
    local fake vendor only, ``http://127.0.0.1:<port>`` (the SDK's ``protocol`` option)."""
    protocol = "HTTPS"
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme == "http":
            if parts.hostname not in LOCAL_HOSTS:
                raise ValueError("ALIYUN_ENDPOINT may be plain http only on this machine "
                                 "(a local fake); Alibaba Cloud is reached over HTTPS")
            protocol = "HTTP"
        elif parts.scheme != "https":
            raise ValueError("ALIYUN_ENDPOINT is a host name, https://host or "
                             "http://127.0.0.1:<port>")
        endpoint = parts.netloc
    millis = int(timeout * 1000)
    return Config(access_key_id=access_key_id, access_key_secret=access_key_secret,
                  region_id=region, endpoint=endpoint, protocol=protocol,
                  connect_timeout=millis, read_timeout=millis)


class AliyunProvider:
    """SMS through Alibaba Cloud: ``SendSms`` one message at a time (the sender hands
    over one message per recipient and call; ``SendBatchSms`` would tie several patients'
    fates to one answer), ``QuerySendDetails`` to find a message whose answer was lost."""

    name = "aliyun"

    def __init__(self, *, access_key_id: str, access_key_secret: str, region: str,
                 endpoint: str, sign_name: str = "", timeout: float = 10.0) -> None:
        if not access_key_id or not access_key_secret:
            raise ValueError("SMS_PROVIDER=aliyun needs ALIYUN_ACCESS_KEY_ID and "
                             "ALIYUN_ACCESS_KEY_SECRET")
        self.config = sdk_config(access_key_id=access_key_id,
                                 access_key_secret=access_key_secret, region=region,
                                 endpoint=endpoint, timeout=timeout)
        self.sign_name = sign_name
        self._local = threading.local()  # a client per sending thread

    @property
    def client(self) -> Client:
        """This thread's client: the SDK client keeps per-call state (``_headers``)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(self.config)
        return client

    def request(self, item: Outgoing) -> SendSmsRequest:
        if item.template is None:
            raise PermanentError("aliyun: no registered template for this message "
                                 "(a carrier platform sends only registered templates)")
        call = item.template
        return SendSmsRequest(
            phone_numbers=vendor_number(item.to), sign_name=call.sign_name or self.sign_name,
            template_code=call.code,
            template_param=json.dumps(call.named(), ensure_ascii=False, separators=(",", ":")),
            out_id=item.ref)

    def send(self, item: Outgoing) -> str:
        request = self.request(item)
        try:
            answer = self.client.send_sms(request).body
        except Exception as exc:
            raise sdk_error(exc) from None
        if answer.code != "OK":
            raise error_for(str(answer.code))
        if not answer.biz_id:
            raise TransientError("aliyun answered OK without a BizId", in_doubt=True)
        return str(answer.biz_id)

    def probe(self, sample: Outgoing | None) -> bool:
        """Whether Alibaba Cloud answers again, asked with ``QuerySendDetails`` (free, the same
        API and access key as ``SendSms``) for the oldest waiting message's number today.
        Any answer with a code means it is back; no answer or a 5xx raises."""
        if sample is None:
            return False
        request = QuerySendDetailsRequest(phone_number=vendor_number(sample.to),
                                          send_date=send_days(datetime.now(VENDOR_ZONE))[0],
                                          page_size=1, current_page=1)
        try:
            self.client.query_send_details(request)
        except Exception as exc:
            error = sdk_error(exc)
            if isinstance(error, TransientError):
                raise error from None
        return True

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        """Whether Alibaba Cloud has ``item`` (its ``OutId`` is our reference): searched by
        phone on the day it was handed over (and the neighbouring day near midnight).

        ``QuerySendDetails`` answers no ``BizId`` in its details, so a message found this
        way is recorded under our reference; its receipt, which names both, finds it by
        ``out_id`` (see :mod:`..ops.carrier_receipts`)."""
        phone = vendor_number(item.to)
        for day in send_days(handed_at or datetime.now(VENDOR_ZONE)):
            if self._found_on(phone, day, item.ref):
                log.info("aliyun: %s found by QuerySendDetails (phone %s, day %s)", item.ref,
                         mask_phone_in_log(item.to), day)
                return item.ref
        return None

    def _found_on(self, phone: str, day: str, ref: str) -> bool:
        page = 1
        while True:
            request = QuerySendDetailsRequest(phone_number=phone, send_date=day,
                                              page_size=PAGE_SIZE, current_page=page)
            try:
                answer = self.client.query_send_details(request).body
            except Exception as exc:
                raise sdk_error(exc) from None
            if answer.code != "OK":
                raise error_for(str(answer.code))
            details = (answer.sms_send_detail_dtos.sms_send_detail_dto
                       if answer.sms_send_detail_dtos else None) or []
            if any(detail.out_id == ref for detail in details):
                return True
            if len(details) < PAGE_SIZE or page * PAGE_SIZE >= _int(answer.total_count):
                return False
            page += 1


def send_days(handed_at: datetime) -> list[str]:
    """``SendDate`` values (yyyyMMdd, China time) to search: the day of ``handed_at``, and
    the neighbouring day when it is within an hour of midnight."""
    at = handed_at.astimezone(VENDOR_ZONE)
    days = [at.date()]
    for near in (at - NEAR_MIDNIGHT, at + NEAR_MIDNIGHT):
        if near.date() not in days:
            days.append(near.date())
    return [day.strftime("%Y%m%d") for day in days]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
