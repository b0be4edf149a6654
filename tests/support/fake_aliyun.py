"""A fake Alibaba Cloud SMS (Dysmsapi 2017-05-25) on 127.0.0.1, for the real SDK to call.

It speaks what ``alibabacloud_dysmsapi20170525`` sends: RPC-style ``POST /`` with the
parameters in the query string, the action and version in ``x-acs-action`` /
``x-acs-version``, signed with ACS3-HMAC-SHA256 (Alibaba Cloud's "V3 request structure
and signature"). It checks that signature with the access key secret exactly as the
SDK computes it (``alibabacloud_tea_openapi/utils.py``, ``get_authorization``), so a
wrong secret, an unsigned header or a tampered parameter is refused with Alibaba Cloud's
error shape (``{"RequestId", "HostId", "Code", "Message", "Recommend"}``), as are a wrong
version, an unknown action, an old date or a reused nonce.

Like Alibaba Cloud it does not de-duplicate: every ``SendSms`` it accepts is one more SMS
to a phone (``taken``, repeats kept), which is what the exactly-once tests count. It
keeps the send records ``QuerySendDetails`` answers from, by phone and day (China time).

Switches: ``fail_with(code)`` answers the next sends with one of Alibaba Cloud's codes
(business codes with HTTP 200, gateway codes with their HTTP status); ``lose_answers``
accepts the next sends and then drops the connection without an answer;
``drop_requests`` drops it without taking anything; ``down`` answers 503 to everything.
``report``/``reply`` build the ``SmsReport``/``SmsUp`` pushes, and ``push`` posts one to
notify's callback address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

import requests

from tests.support.fake_console import aliyun_templates

VERSION = "2017-05-25"
ALGORITHM = "ACS3-HMAC-SHA256"
CHINA = ZoneInfo("Asia/Shanghai")
ACTIONS = ("SendSms", "SendBatchSms", "QuerySendDetails")
#: Headers the V3 signature must cover ("every common request header but Authorization").
MUST_SIGN = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
             "x-acs-signature-nonce", "x-acs-version")
DATE_WINDOW = timedelta(minutes=15)

#: Gateway errors: (HTTP status, Message), as Alibaba Cloud's common error codes page has them.
GATEWAY_ERRORS = {
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with our calculation."),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "InvalidAction.NotFound": (404, "Specified api is not found, please check your url "
                                    "and method."),
    "MissingParameter": (400, "A required parameter is missing."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the "
                                "server."),
    "InternalError": (500, "The request processing has failed due to some unknown error."),
}
#: Business answers (HTTP 200, ``Code`` other than OK), from the SMS API error-code page.
BUSINESS_ERRORS = {
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.TEMPLATE_PARAMS_ILLEGAL": "模板变量里包含非法关键字",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板缺少变量",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isp.SYSTEM_ERROR": "系统错误",
}


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Sent:
    """One SMS the fake took (one per accepted ``SendSms``)."""

    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str | None
    at: datetime  # in China time

    @property
    def day(self) -> str:
        return self.at.strftime("%Y%m%d")


@dataclass
class FakeAliyun:
    access_key_id: str = "LTAI-test-key-id"
    access_key_secret: str = "test-access-key-secret-0123456789"
    #: The signatures and templates (code → variable names) registered "in the console":
    #: by default the templates of the sms-templates.toml notify uses with
    #: ``TEMPLATE_DIR=template_dir`` (tests/support/fake_console.py).
    signatures: tuple[str, ...] = ("仁和医院",)
    template_dir: str = ""
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request, checked or not
    refused: list[str] = field(default_factory=list)  # codes answered to signature/shape faults
    taken: list[Sent] = field(default_factory=list)  # every accepted SendSms, repeats kept
    lookups: list[dict[str, str]] = field(default_factory=list)  # QuerySendDetails parameters
    failures: list[str] = field(default_factory=list)  # codes to answer the next sends with
    lose_answers: int = 0  # accept the next sends, then drop the connection unanswered
    drop_requests: int = 0  # drop the next requests' connections before taking anything
    down: bool = False
    retry_after_ms: int | None = None  # sent as x-acs-retry-after with Throttling.User
    port: int = 0  # 0: any free port

    def __post_init__(self) -> None:
        if not self.templates:
            self.templates = aliyun_templates(self.template_dir)
        self.lock = threading.Lock()
        self.nonces: set[str] = set()
        self._serial = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer, extra = fake.handle("POST", self.path, self.headers, body)
                if answer is None:  # the answer is lost: close without a word
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    # --- what a test configures notify with ------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """notify's settings for this fake (``make_app("notify", **fake.settings())``)."""
        return {"sms_provider": "aliyun", "aliyun_endpoint": self.endpoint,
                "template_dir": self.template_dir,
                "aliyun_access_key_id": self.access_key_id,
                "aliyun_access_key_secret": self.access_key_secret,
                "aliyun_region": "cn-hangzhou", "sms_sign_name": self.signatures[0],
                **overrides}

    def fail_with(self, code: str, times: int = 1) -> None:
        self.failures.extend([code] * times)

    def sends_to(self, phone: str) -> list[Sent]:
        with self.lock:
            return [sent for sent in self.taken if sent.phone == phone]

    # --- the API --------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any,
               body: bytes) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        action = headers.get("x-acs-action", "")
        with self.lock:
            self.requests.append({"action": action, "query": query,
                                  "headers": {k.lower(): v for k, v in headers.items()}})
            if self.down:
                return self._error("ServiceUnavailable")
            if self.drop_requests > 0:
                self.drop_requests -= 1
                return 200, None, {}
            try:
                self._check_signature(method, parts.path or "/", query, headers, body)
                if headers.get("x-acs-version") != VERSION:
                    raise Refused("InvalidVersion")
                if action not in ACTIONS:
                    raise Refused("InvalidAction.NotFound")
            except Refused as refused:
                self.refused.append(refused.code)
                return self._error(refused.code)
            if action == "QuerySendDetails":
                return 200, self._query(query), {}
            if self.failures:
                code = self.failures.pop(0)
                return (self._error(code) if code in GATEWAY_ERRORS
                        else (200, self._answer(code, BUSINESS_ERRORS.get(code, code)), {}))
            if action == "SendBatchSms":
                return 200, self._answer("isv.INVALID_PARAMETERS", "not faked"), {}
            answer = self._send(query)
            if answer.get("Code") == "OK" and self.lose_answers > 0:
                self.lose_answers -= 1
                return 200, None, {}
            return 200, answer, {}

    def _check_signature(self, method: str, path: str, query: dict[str, str], headers: Any,
                         body: bytes) -> None:
        """Alibaba Cloud's V3 signature, computed as the SDK computes it."""
        authorization = headers.get("Authorization") or ""
        algorithm, _, rest = authorization.partition(" ")
        fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != ALGORITHM or not {"Credential", "SignedHeaders",
                                          "Signature"} <= fields.keys():
            raise Refused("IncompleteSignature")
        if fields["Credential"] != self.access_key_id:
            raise Refused("InvalidAccessKeyId.NotFound")
        signed = fields["SignedHeaders"].split(";")
        if any(name not in signed for name in MUST_SIGN) or signed != sorted(signed):
            raise Refused("IncompleteSignature")
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            raise Refused("SignatureDoesNotMatch")
        canonical_headers = "".join(
            f"{name}:{','.join(sorted(v.strip() for v in headers.get_all(name) or []))}\n"
            for name in signed)
        canonical_query = "&".join(f"{key}={quote(query[key], safe='~')}"
                                   for key in sorted(query))
        canonical = "\n".join([method, path, canonical_query, canonical_headers,
                               ";".join(signed), payload_hash])
        to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise Refused("SignatureDoesNotMatch")
        try:
            sent_at = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise Refused("InvalidTimeStamp.Expired") from None
        if abs(datetime.now(UTC).replace(tzinfo=None) - sent_at) > DATE_WINDOW:
            raise Refused("InvalidTimeStamp.Expired")
        nonce = headers.get("x-acs-signature-nonce", "")
        if nonce in self.nonces:
            raise Refused("SignatureNonceUsed")
        self.nonces.add(nonce)

    def _send(self, query: dict[str, str]) -> dict[str, Any]:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                return self._answer("isv.INVALID_PARAMETERS", f"{name} is mandatory")
        phones = query["PhoneNumbers"].split(",")
        if not all(_domestic(phone) for phone in phones):
            return self._answer("isv.MOBILE_NUMBER_ILLEGAL", BUSINESS_ERRORS[
                "isv.MOBILE_NUMBER_ILLEGAL"])
        if query["SignName"] not in self.signatures:
            return self._answer("isv.SMS_SIGNATURE_ILLEGAL", BUSINESS_ERRORS[
                "isv.SMS_SIGNATURE_ILLEGAL"])
        variables = self.templates.get(query["TemplateCode"])
        if variables is None:
            return self._answer("isv.SMS_TEMPLATE_ILLEGAL", BUSINESS_ERRORS[
                "isv.SMS_TEMPLATE_ILLEGAL"])
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            params = None
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            return self._answer("isv.INVALID_JSON_PARAM", BUSINESS_ERRORS["isv.INVALID_JSON_PARAM"])
        if set(params) != set(variables):
            return self._answer("isv.TEMPLATE_MISSING_PARAMETERS",
                                BUSINESS_ERRORS["isv.TEMPLATE_MISSING_PARAMETERS"])
        self._serial += 1
        biz_id = f"{900000000000 + self._serial}^0"
        now = datetime.now(CHINA)
        for phone in phones:
            self.taken.append(Sent(biz_id, phone[-11:], query["SignName"],
                                   query["TemplateCode"], params, query.get("OutId"), now))
        return {**self._answer("OK", "OK"), "BizId": biz_id}

    def _query(self, query: dict[str, str]) -> dict[str, Any]:
        self.lookups.append(query)
        phone, day = query.get("PhoneNumber", ""), query.get("SendDate", "")
        try:
            size, page = int(query.get("PageSize", "")), int(query.get("CurrentPage", "1"))
        except ValueError:
            return self._answer("isv.INVALID_PARAMETERS", "PageSize is mandatory")
        if not phone or len(day) != 8 or not 1 <= size <= 50:
            return self._answer("isv.INVALID_PARAMETERS", "PhoneNumber, SendDate, PageSize")
        found = [sent for sent in self.taken if sent.phone == phone and sent.day == day]
        shown = found[(page - 1) * size: page * size]
        return {**self._answer("OK", "OK"), "TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{
                    "PhoneNum": sent.phone, "SendStatus": 3, "ErrCode": "DELIVERED",
                    "TemplateCode": sent.template_code, "Content": "…",
                    "SendDate": sent.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "ReceiveDate": sent.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "OutId": sent.out_id} for sent in shown]}}

    def _answer(self, code: str, message: str) -> dict[str, Any]:
        return {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper()}

    def _error(self, code: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, message = GATEWAY_ERRORS[code]
        extra = {}
        if code == "Throttling.User" and self.retry_after_ms:
            extra["x-acs-retry-after"] = str(self.retry_after_ms)
        return status, {"RequestId": str(uuid.uuid4()).upper(), "HostId": "dysmsapi.aliyuncs.com",
                        "Code": code, "Message": message,
                        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}"}, extra

    # --- what Alibaba Cloud pushes back ---------------------------------------------------

    def report(self, sent: Sent, *, success: bool = True, err_code: str = "DELIVERED",
               err_msg: str = "用户接收成功") -> list[dict[str, Any]]:
        """An ``SmsReport`` push (a JSON array) for one SMS the fake took."""
        now = datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        return [{"phone_number": sent.phone, "send_time": sent.at.strftime("%Y-%m-%d %H:%M:%S"),
                 "report_time": now, "success": success, "err_code": err_code,
                 "err_msg": err_msg, "sms_size": "1", "biz_id": sent.biz_id,
                 "out_id": sent.out_id}]

    def reply(self, phone: str, content: str) -> list[dict[str, Any]]:
        """An ``SmsUp`` push: a patient's reply from ``phone`` (11 digits)."""
        self._serial += 1
        return [{"phone_number": phone, "send_time": datetime.now(CHINA).strftime(
            "%Y-%m-%d %H:%M:%S"), "content": content, "sign_name": self.signatures[0],
            "dest_code": "1234", "sequence_id": 1_000_000 + self._serial}]

    @staticmethod
    def push(url: str, items: list[dict[str, Any]]) -> requests.Response:
        """Post a push to notify's callback address, as Alibaba Cloud does."""
        return requests.post(url, data=json.dumps(items, ensure_ascii=False).encode(),
                             headers={"Content-Type": "application/json"}, timeout=10)

    def __enter__(self) -> FakeAliyun:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _domestic(phone: str) -> bool:
    """A mainland mobile number, with or without +86 / 0086 / 86 in front."""
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) == len(prefix) + 11:
            phone = phone[len(prefix):]
            break
    return len(phone) == 11 and phone.isdigit() and phone.startswith("1")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout, a dropped answer) is what these tests make."""
        if isinstance(sys.exc_info()[1], ConnectionError | OSError):
            return
        super().handle_error(request, client_address)


def main(argv: list[str] | None = None) -> None:
    """Run the fake on its own, for ``make run`` (docs/sms-providers.md, "Trying it"): it
    prints the settings notify needs and pushes an ``SmsReport`` for each SMS it takes to
    notify's callback address, as Alibaba Cloud would."""
    import argparse
    import secrets

    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_aliyun",
                                     description=main.__doc__)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--template-dir", default="",
                        help="the TEMPLATE_DIR notify uses (its sms-templates.toml is "
                             "registered); the shipped file when empty")
    parser.add_argument("--notify-url", default="http://127.0.0.1:8003")
    parser.add_argument("--callback-secret", default=secrets.token_urlsafe(24))
    parser.add_argument("--sign-name", default="仁和医院")
    parser.add_argument("--no-receipts", action="store_true",
                        help="take SMS without pushing receipts")
    args = parser.parse_args(argv)
    fake = FakeAliyun(port=args.port, template_dir=args.template_dir,
                      signatures=(args.sign_name,))
    env = {name.upper(): str(value) for name, value in fake.settings().items() if value}
    env["SMS_CALLBACK_SECRET"] = args.callback_secret
    callback = f"{args.notify_url}/api/v1/sms/aliyun/{args.callback_secret}"
    with fake:
        print(f"fake Alibaba Cloud SMS on {fake.endpoint}, {len(fake.templates)} templates "
              f"registered; start notify with:", flush=True)
        for name, value in env.items():
            print(f"  export {name}={value}", flush=True)
        print(f"receipts go to {callback}/report" if not args.no_receipts
              else "no receipts pushed", flush=True)
        pushed = 0
        try:
            while True:
                time.sleep(0.5)
                with fake.lock:
                    new = fake.taken[pushed:]
                for sent in new:
                    pushed += 1
                    print(f"SendSms {sent.template_code} ({', '.join(sent.params)}) to "
                          f"…{sent.phone[-4:]}: BizId {sent.biz_id}", flush=True)
                    if args.no_receipts:
                        continue
                    try:
                        answer = fake.push(f"{callback}/report", fake.report(sent))
                        print(f"  SmsReport pushed: HTTP {answer.status_code}", flush=True)
                    except requests.RequestException as exc:
                        print(f"  SmsReport not pushed: {type(exc).__name__}", flush=True)
        except KeyboardInterrupt:
            pass


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


if __name__ == "__main__":
    main()
