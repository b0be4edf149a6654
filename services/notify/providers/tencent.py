"""Tencent Cloud SMS (API 2021-01-11) through Tencent's own Python SDK.

The SDK signs every request (TC3-HMAC-SHA256) with the account's SecretId and
SecretKey; nothing here signs. A request names a registered template (its id and
the values of its variables in order) and the registered signature, never free
text: ``Outgoing.template`` carries them. Our reference goes as ``SessionContext``,
which Tencent hands back with the send's status, so a send whose answer was lost
can be found again with ``PullSmsSendStatusByPhoneNumber`` instead of sent twice.

Sources: the SDK (``tencentcloud/common/abstract_client.py``, ``sms/v20210111/
models.py``, ``errorcodes.py``) and Tencent's API reference (docs/sms-providers.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client
from urllib3.exceptions import NewConnectionError

from services.common.phones import mask_in_text

from .base import THIS_MESSAGE, THROTTLE, Outgoing, PermanentError, TransientError

log = logging.getLogger(__name__)

#: Tencent's limits per phone number (``LimitExceeded.*``): wait at least this long (s).
THROTTLED_FOR: Mapping[str, float] = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.DeliveryFrequencyLimit": 60,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
}
#: Daily quotas, per number or for the whole application: they reset at midnight in China.
DAILY_LIMITS = frozenset({
    "LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.PhoneNumberSameContentDailyLimit",
    "LimitExceeded.AppDailyLimit", "LimitExceeded.AppMainlandChinaDailyLimit",
    "LimitExceeded.AppGlobalDailyLimit", "LimitExceeded.AppCountryOrRegionDailyLimit",
    "LimitExceeded.DailyLimit",
})
#: Codes (or their families) worth trying again: Tencent's side, the network, the API's
#: own rate limit. Every other family (FailedOperation, InvalidParameter*, AuthFailure,
#: UnauthorizedOperation, MissingParameter, UnsupportedOperation…) will never go through.
TRANSIENT_FAMILIES = ("InternalError", "RequestLimitExceeded", "ClientNetworkError",
                      "ServerNetworkError", "ResourceUnavailable")
PERMANENT_FAMILIES = ("FailedOperation", "InvalidParameter", "InvalidParameterValue",
                      "MissingParameter", "UnsupportedOperation", "UnauthorizedOperation",
                      "AuthFailure", "LimitExceeded", "InvalidAction", "NoSuchVersion",
                      "ActionOffline", "IpInBlacklist", "IpNotInWhitelist")
CHINA = ZoneInfo("Asia/Shanghai")
#: ``PullSmsSendStatusByPhoneNumber`` reaches back at most 7 days; ``Limit`` at most 100.
PULL_REACH = timedelta(days=7)
PULL_LIMIT = 100


def _family(code: str) -> str:
    return code.split(".", 1)[0]


def until_midnight_in_china(now: datetime | None = None) -> float:
    """Seconds until Tencent's daily quotas start again (00:00 Beijing time)."""
    here = (now or datetime.now(UTC)).astimezone(CHINA)
    tomorrow = datetime.combine(here.date() + timedelta(days=1), datetime.min.time(), CHINA)
    return max((tomorrow - here).total_seconds(), 1.0)


def refusal(code: str, message: str | None = "") -> TransientError | PermanentError:
    """Tencent's error code as our kind of failure, the code first in its text. Tencent's
    message is kept after it with any phone number masked (the text goes to the log)."""
    text = f"tencent {code}"
    if message:
        text += f": {mask_in_text(str(message), for_log=True)[:160]}"
    if code in THROTTLED_FOR:
        return TransientError(text, retry_after=THROTTLED_FOR[code], kind=THIS_MESSAGE)
    if code in DAILY_LIMITS:
        return TransientError(text, retry_after=until_midnight_in_china(), kind=THIS_MESSAGE)
    family = _family(code)
    if family == "RequestLimitExceeded":  # the API's rate: the whole sender slows down
        return TransientError(text, retry_after=1.0, kind=THROTTLE)
    if family in TRANSIENT_FAMILIES:
        return TransientError(text)
    if family in PERMANENT_FAMILIES:
        return PermanentError(text)
    # unknown to us: no sign Tencent is down; the sender gives up after its attempts
    return TransientError(text, kind=THIS_MESSAGE)


def never_arrived(exc: TencentCloudSDKException) -> bool:
    """Whether a network failure happened before Tencent could have the request (no
    connection was made). Any other failure (a timeout, a dropped connection) may have
    come after Tencent took it: the answer, not the SMS, may be what was lost.

    The SDK wraps the ``requests`` error in its own (``ClientNetworkError``), raised
    while handling it, so the original is the exception's context."""
    cause = exc.__context__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        return isinstance(getattr(cause.args[0], "reason", None), NewConnectionError)
    return False


def endpoint_and_protocol(endpoint: str) -> tuple[str, str]:
    """``TENCENT_ENDPOINT`` as the SDK's HttpProfile takes it: a host (``sms.tencentcloudapi
    .com``, HTTPS) or an address with its scheme (``http://127.0.0.1:8090`` for a local
    fake). The SDK signs the Host header, so it gets the host alone."""
    for scheme in ("http", "https"):
        if endpoint.startswith(f"{scheme}://"):
            return endpoint[len(scheme) + 3:].rstrip("/"), scheme
    return endpoint.rstrip("/"), "https"


class TencentSmsProvider:
    """SendSms for one number per message; lookups by phone number and our reference.

    A send whose answer never came (a timeout, a dropped connection) is remembered by
    reference: its next attempt first pulls the number's statuses for it, and sends again
    only if none has come back within ``report_wait`` seconds (a status exists only once
    the carrier reported one). A sender that died instead is covered by ``lookup``, which
    the sender calls before it sends a message an earlier sender may have handed over.
    """

    name = "tencent"

    def __init__(self, *, secret_id: str, secret_key: str, region: str, endpoint: str,
                 sdk_app_id: str, sign_name: str = "", timeout: float = 10.0,
                 report_wait: float = 300.0) -> None:
        missing = [name for name, value in (("TENCENT_SECRET_ID", secret_id),
                                            ("TENCENT_SECRET_KEY", secret_key),
                                            ("TENCENT_SDK_APP_ID", sdk_app_id)) if not value]
        if missing:
            raise ValueError(f"the tencent SMS provider needs {', '.join(missing)}")
        self.credential = credential.Credential(secret_id, secret_key)
        self.region = region
        self.endpoint, self.protocol = endpoint_and_protocol(endpoint)
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.timeout = timeout
        self.report_wait = report_wait
        self._local = threading.local()  # a client (and its HTTP session) per thread
        self._unanswered: dict[str, float] = {}  # our ref → when the unanswered send began
        self._lock = threading.Lock()

    @property
    def client(self) -> sms_client.SmsClient:
        client: sms_client.SmsClient | None = getattr(self._local, "client", None)
        if client is None:
            http = HttpProfile(protocol=self.protocol, endpoint=self.endpoint,
                               reqMethod="POST", reqTimeout=self.timeout)
            profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http,
                                    disable_region_breaker=True)  # no failover elsewhere
            client = self._local.client = sms_client.SmsClient(self.credential, self.region,
                                                               profile)
        return client

    def request(self, item: Outgoing) -> models.SendSmsRequest:
        template = item.template
        if template is None:
            raise PermanentError("tencent sends only registered templates: this message "
                                 "has none (see sms-templates.toml)")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [item.to]
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = template.sign_name or self.sign_name
        request.TemplateId = template.code
        request.TemplateParamSet = template.values()
        request.SessionContext = item.ref
        return request

    def send(self, item: Outgoing) -> str:
        request = self.request(item)
        earlier = self._earlier_unanswered(item)
        if earlier is not None:
            return earlier
        began = time.time()
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            if exc.code == "ClientNetworkError" and not never_arrived(exc):
                with self._lock:
                    self._unanswered[item.ref] = began
                raise TransientError("tencent did not answer (the SMS may have gone): it is "
                                     "looked up before it is ever sent again",
                                     in_doubt=True) from exc
            raise refusal(str(exc.code), exc.message) from exc
        statuses = response.SendStatusSet or []  # one per number: we send to one
        if not statuses:
            raise TransientError("tencent answered without a status for the number")
        status = statuses[0]
        if status.Code != "Ok":
            raise refusal(str(status.Code), status.Message)
        return str(status.SerialNo)

    def _earlier_unanswered(self, item: Outgoing) -> str | None:
        """For a message whose last send went unanswered in this process: Tencent's id for
        it if a status came back; otherwise wait for one (``TransientError``) until
        ``report_wait`` has passed, then None (it never reached Tencent: send it)."""
        with self._lock:
            began = self._unanswered.get(item.ref)
        if began is None:
            return None
        found = self.lookup(item, datetime.fromtimestamp(began, UTC))
        waited = time.time() - began
        if found is None and waited < self.report_wait:
            raise TransientError("tencent has no status yet for a send that went unanswered; "
                                 "waiting for one before sending again",
                                 retry_after=min(30.0, self.report_wait - waited))
        with self._lock:
            self._unanswered.pop(item.ref, None)
        if found is not None:
            log.info("%s: tencent had it after all (its answer was lost); not sent again",
                     item.ref)
        return found

    def probe(self, sample: Outgoing | None) -> bool:
        """Whether Tencent answers again, asked with ``PullSmsSendStatusByPhoneNumber`` (free,
        the same API and key as ``SendSms``) for the oldest waiting message's number. A
        refusal with a code that is not transient means it is back; a network error or an
        ``InternalError`` raises."""
        if sample is None:
            return False
        now = datetime.now(UTC)
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime, request.EndTime = int(now.timestamp()) - 60, int(now.timestamp())
        request.Offset, request.Limit = 0, 1
        request.PhoneNumber, request.SmsSdkAppId = sample.to, self.sdk_app_id
        try:
            self.client.PullSmsSendStatusByPhoneNumber(request)
        except TencentCloudSDKException as exc:
            failure = refusal(str(exc.code), exc.message)
            if isinstance(failure, TransientError) and failure.kind != THIS_MESSAGE:
                raise failure from exc
        return True

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        """Tencent's SerialNo for ``item``: the number's send statuses from a minute before
        it was handed over until now, the one whose SessionContext is our reference.
        None if Tencent has none (yet: a status comes once the carrier reports)."""
        now = datetime.now(UTC)
        begin = (handed_at or now - PULL_REACH) - timedelta(minutes=1)
        begin = max(begin, now - PULL_REACH + timedelta(minutes=1))
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int(begin.timestamp())
        request.EndTime = int(now.timestamp()) + 60
        request.Offset = 0  # "fixed at 0" (Tencent's reference)
        request.Limit = PULL_LIMIT
        request.PhoneNumber = item.to
        request.SmsSdkAppId = self.sdk_app_id
        try:
            response = self.client.PullSmsSendStatusByPhoneNumber(request)
        except TencentCloudSDKException as exc:
            failure = refusal(str(exc.code), exc.message)
            if isinstance(failure, PermanentError):
                # Pulling is not open to this account: it cannot tell, as a provider
                # without a lookup cannot (the message goes again).
                log.warning("%s: tencent status pull refused (%s); cannot look it up",
                            item.ref, exc.code)
                return None
            raise failure from exc
        return next((str(status.SerialNo) for status in _statuses(response)
                     if status.SessionContext == item.ref and status.SerialNo), None)


def _statuses(response: Any) -> list[Any]:
    return list(getattr(response, "PullSmsSendStatusSet", None) or [])

