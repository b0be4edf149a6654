"""A fake Tencent Cloud SMS (API 2021-01-11) on 127.0.0.1, for the real SDK to talk to.

It speaks the protocol the SDK speaks: a JSON POST to ``/`` with ``X-TC-Action``,
``X-TC-Version``, ``X-TC-Timestamp``, ``X-TC-Region`` and an ``Authorization:
TC3-HMAC-SHA256 …`` header, and it checks that signature with the account's
SecretKey as Tencent documents it ("Signature v3", the same page for every product, e.g.
https://tencentcloud.com/document/product/1084/39391), computed here apart from the SDK:
a wrong key, a tampered body, another region, version or action is refused with Tencent's
error shape
``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``.

``SendSms`` checks the SdkAppId, signature, template and its number of variables and
the phone, and answers the documented ``SendStatusSet``; every send that passed the
signature check is kept in ``sends`` (repeats included: Tencent does not de-duplicate,
so this is what reaches phones). ``PullSmsSendStatusByPhoneNumber`` answers the
statuses the carrier "reported" (``report``), with the ``SessionContext`` of the send.
Switches: ``fail_next`` (an error code, as the whole answer's ``Error`` or as the
number's ``SendStatus.Code``), ``lose_next_answer`` (take the SMS, then drop the
connection), ``drop_requests`` (drop the connection, taking nothing), ``down_for``
(answer 502), and ``push_status`` / ``push_reply`` (Tencent's
callbacks to notify).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.fake_console import tencent_templates
from tests.support.gateway import _Server

VERSION = "2021-01-11"
SERVICE = "sms"
ACTIONS = ("SendSms", "PullSmsSendStatusByPhoneNumber")
_AUTH = re.compile(r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/"
                   r"(?P<service>[^/]+)/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
                   r"Signature=(?P<signature>[0-9a-f]{64})$")
_MAINLAND_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")


@dataclass
class Sent:
    serial: str
    phone: str
    session: str
    template: str
    params: list[str]
    sign: str
    at: float
    report: str | None = None  # SUCCESS | FAIL once the carrier reported


@dataclass
class Failure:
    code: str
    message: str
    in_status: bool  # in the number's SendStatus (HTTP 200, Code != "Ok"), not as Error


@dataclass
class FakeTencent:
    secret_id: str = "AKIDfakeTencentSecretId0000000000"
    secret_key: str = "fake-tencent-secret-key-0000000000"
    region: str = "ap-guangzhou"
    sdk_app_id: str = "1400006666"
    signs: set[str] = field(default_factory=lambda: {"仁和医院"})
    #: The templates registered "in the console" (id → number of variables): by default
    #: those of the sms-templates.toml notify uses with ``TEMPLATE_DIR=template_dir``
    #: (tests/support/fake_console.py).
    template_dir: str = ""
    templates: dict[str, int] = field(default_factory=dict)
    auto_report: bool = True  # the carrier reports SUCCESS at once
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request, refused too
    sends: list[Sent] = field(default_factory=list)  # every SendSms taken, repeats included
    pulls: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # codes answered, in order
    port: int = 0  # 0: any free port

    def __post_init__(self) -> None:
        if not self.templates:
            self.templates = tencent_templates(self.template_dir)
        self.lock = threading.Lock()
        self.failures: list[Failure] = []
        self.lose_answers = 0
        self.drop_requests = 0  # drop the next requests' connections, taking nothing
        self.down_until = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer, drop = fake.handle(self.command, self.path,
                                                   dict(self.headers.items()), raw)
                if drop:  # the SMS was taken; the answer never leaves
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    # --- what the tests set ------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``TENCENT_ENDPOINT`` for notify: plain HTTP to this fake."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def settings(self) -> dict[str, Any]:
        """Notify's settings for this fake account."""
        return {"sms_provider": "tencent", "tencent_secret_id": self.secret_id,
                "tencent_secret_key": self.secret_key, "tencent_region": self.region,
                "tencent_endpoint": self.endpoint, "tencent_sdk_app_id": self.sdk_app_id,
                "sms_sign_name": next(iter(self.signs)), "template_dir": self.template_dir}

    def fail_next(self, code: str, message: str = "", *, times: int = 1,
                  in_status: bool = False) -> None:
        with self.lock:
            self.failures.extend([Failure(code, message or code, in_status)] * times)

    def lose_next_answer(self, times: int = 1) -> None:
        self.lose_answers += times

    def down_for(self, seconds: float) -> None:
        self.down_until = time.monotonic() + seconds

    def report(self, serial: str, status: str = "SUCCESS") -> None:
        with self.lock:
            for sent in self.sends:
                if sent.serial == serial:
                    sent.report = status

    def sent_to(self, session: str) -> list[Sent]:
        with self.lock:
            return [sent for sent in self.sends if sent.session == session]

    # --- Tencent's callbacks (tencentcloud.com/document/api/382/43547 and 43548) ----------

    def status_callback(self, sent: Sent, status: str = "SUCCESS", errmsg: str = "DELIVRD",
                        description: str = "用户短信送达成功") -> list[dict[str, Any]]:
        return [{"user_receive_time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                 "nationcode": "86", "mobile": sent.phone.removeprefix("+86"),
                 "report_status": status, "errmsg": errmsg, "description": description,
                 "sid": sent.serial}]

    def reply_callback(self, phone: str, text: str) -> dict[str, Any]:
        return {"extend": "", "mobile": phone.removeprefix("+86"), "nationcode": "86",
                "sign": next(iter(self.signs)), "text": text, "time": int(time.time())}

    def push_status(self, post: Callable[[str, Any], Any], url: str, sent: Sent,
                    **kwargs: str) -> Any:
        """POST the status callback for ``sent`` to ``url`` with ``post(url, body)``."""
        return post(url, self.status_callback(sent, **kwargs))

    def push_reply(self, post: Callable[[str, Any], Any], url: str, phone: str,
                   text: str) -> Any:
        return post(url, self.reply_callback(phone, text))

    # --- the API -------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str],
               raw: bytes) -> tuple[int, Any, bool]:
        headers = {k.lower(): v for k, v in headers.items()}
        request_id = str(uuid.uuid4())
        with self.lock:
            self.requests.append({"headers": headers, "body": raw})
        if time.monotonic() < self.down_until:
            return 502, {"error": "bad gateway"}, False
        with self.lock:
            if self.drop_requests > 0:  # the network ate it: Tencent never saw it
                self.drop_requests -= 1
                return 200, None, True
        why = self.why_refused(method, path, headers, raw)
        if why:
            return 200, self.error(*why, request_id), False
        body = json.loads(raw)
        action = headers["x-tc-action"]
        if action == "PullSmsSendStatusByPhoneNumber":
            return 200, self.pull(body, request_id), False
        return self.send_sms(body, request_id)

    def error(self, code: str, message: str, request_id: str) -> dict[str, Any]:
        with self.lock:
            self.refusals.append(code)
        return {"Response": {"Error": {"Code": code, "Message": message},
                             "RequestId": request_id}}

    def why_refused(self, method: str, path: str, headers: dict[str, str],
                    raw: bytes) -> tuple[str, str] | None:
        """Tencent's checks of a request, in its order: who signed, when, and how."""
        auth = _AUTH.match(headers.get("authorization", ""))
        if method != "POST" or path != "/" or auth is None:
            return "AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256."
        if auth["id"] != self.secret_id:
            return "AuthFailure.SecretIdNotFound", "The SecretId is not found."
        stamp = int(headers.get("x-tc-timestamp", "0"))
        if abs(time.time() - stamp) > 300:
            return "AuthFailure.SignatureExpire", "Signature expired."
        if (auth["service"] != SERVICE or auth["signed"] != "content-type;host"
                or auth["date"] != datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")):
            return "AuthFailure.SignatureFailure", "The credential scope is not this request's."
        expected = tc3_signature(self.secret_key, headers, raw, stamp, auth["date"])
        if not hmac.compare_digest(expected, auth["signature"]):
            return ("AuthFailure.SignatureFailure", "The provided credentials could not be "
                    "validated. Please check your signature is correct.")
        if headers.get("x-tc-version") != VERSION:
            return "NoSuchVersion", "The API version does not exist."
        if headers.get("x-tc-action") not in ACTIONS:
            return "InvalidAction", "The action does not exist."
        if headers.get("x-tc-region") != self.region:
            return "UnsupportedOperation.UnsupportedRegion", "This region is not supported."
        return None

    def send_sms(self, body: dict[str, Any], request_id: str) -> tuple[int, Any, bool]:
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return 200, self.error("InvalidParameterValue.SdkAppIdNotExist",
                                   "SdkAppId does not exist.", request_id), False
        with self.lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure and not failure.in_status:
            return 200, self.error(failure.code, failure.message, request_id), False
        statuses = []
        for phone in body.get("PhoneNumberSet") or []:
            code, message = self.check(phone, body)
            if failure:
                code, message = failure.code, failure.message
            status: dict[str, Any] = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0,
                                      "SessionContext": body.get("SessionContext", ""),
                                      "Code": code, "Message": message, "IsoCode": "CN"}
            if code == "Ok":
                serial = f"2433:{uuid.uuid4().int % 10**28:028d}"
                status.update(SerialNo=serial, Fee=1)
                with self.lock:
                    self.sends.append(Sent(serial, phone, body.get("SessionContext", ""),
                                           body["TemplateId"], list(body["TemplateParamSet"]),
                                           body["SignName"], time.time(),
                                           "SUCCESS" if self.auto_report else None))
            else:
                with self.lock:
                    self.refusals.append(code)
            statuses.append(status)
        if not statuses:
            return 200, self.error("MissingParameter.EmptyPhoneNumberSet",
                                   "The phone number set is empty.", request_id), False
        with self.lock:
            drop = self.lose_answers > 0 and statuses[0]["Code"] == "Ok"
            self.lose_answers -= int(drop)
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}, drop

    def check(self, phone: str, body: dict[str, Any]) -> tuple[str, str]:
        if body.get("SignName") not in self.signs:
            return ("FailedOperation.SignatureIncorrectOrUnapproved",
                    "signature format is incorrect or signature is not approved")
        template = body.get("TemplateId")
        if template not in self.templates:
            return ("FailedOperation.TemplateIncorrectOrUnapproved",
                    "template format error or template not approved")
        if len(body.get("TemplateParamSet") or []) != self.templates[template]:
            return ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                    "request content does not match the template content")
        if not _MAINLAND_MOBILE.match(phone):
            return "InvalidParameterValue.IncorrectPhoneNumber", "incorrect number format"
        return "Ok", "send success"

    def pull(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        with self.lock:
            self.pulls.append(body)
            begin, end = body.get("BeginTime", 0), body.get("EndTime", time.time())
            found = [sent for sent in self.sends
                     if sent.phone == body.get("PhoneNumber") and sent.report
                     and begin <= sent.at <= end][: min(int(body.get("Limit", 100)), 100)]
        return {"Response": {"PullSmsSendStatusSet": [{
            "UserReceiveTime": int(sent.at), "CountryCode": "86",
            "SubscriberNumber": sent.phone.removeprefix("+86"), "PhoneNumber": sent.phone,
            "SerialNo": sent.serial, "ReportStatus": sent.report,
            "Description": "DELIVRD" if sent.report == "SUCCESS" else "UNDELIV",
            "SessionContext": sent.session} for sent in found], "RequestId": request_id}}

    def __enter__(self) -> FakeTencent:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def tc3_signature(secret_key: str, headers: dict[str, str], raw: bytes, stamp: int,
                  date: str) -> str:
    """TC3-HMAC-SHA256 as Tencent documents it: the canonical request (method, URI, query,
    the signed headers lower-cased, the body's SHA-256), the string to sign, and the key
    derived from ``"TC3" + SecretKey`` by date, service and ``tc3_request``."""
    canonical_headers = (f"content-type:{headers.get('content-type', '').strip().lower()}\n"
                         f"host:{headers.get('host', '').strip().lower()}\n")
    canonical = "\n".join(["POST", "/", "", canonical_headers, "content-type;host",
                           hashlib.sha256(raw).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(stamp), f"{date}/{SERVICE}/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def main(argv: list[str] | None = None) -> None:
    """Run the fake on its own, for ``make run`` (docs/sms-providers.md, "Trying it"): it
    prints the settings notify needs and pushes a status callback for each SMS it takes to
    notify's callback address, as Tencent would."""
    import argparse
    import secrets

    import requests

    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_tencent",
                                     description=main.__doc__)
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--template-dir", default="",
                        help="the TEMPLATE_DIR notify uses (its sms-templates.toml is "
                             "registered); the shipped file when empty")
    parser.add_argument("--notify-url", default="http://127.0.0.1:8003")
    parser.add_argument("--callback-secret", default=secrets.token_urlsafe(24))
    parser.add_argument("--sign-name", default="仁和医院")
    parser.add_argument("--no-receipts", action="store_true",
                        help="take SMS without pushing status callbacks")
    args = parser.parse_args(argv)
    fake = FakeTencent(port=args.port, template_dir=args.template_dir, signs={args.sign_name})
    env = {name.upper(): str(value) for name, value in fake.settings().items() if value}
    env["SMS_CALLBACK_SECRET"] = args.callback_secret
    callback = f"{args.notify_url}/api/v1/sms/tencent/{args.callback_secret}"

    def post(url: str, body: Any) -> Any:
        return requests.post(url, json=body, timeout=10)

    with fake:
        print(f"fake Tencent Cloud SMS on {fake.endpoint}, {len(fake.templates)} templates "
              f"registered; start notify with:", flush=True)
        for name, value in env.items():
            print(f"  export {name}={value}", flush=True)
        print(f"status callbacks go to {callback}/status" if not args.no_receipts
              else "no status callbacks pushed", flush=True)
        pushed = 0
        try:
            while True:
                time.sleep(0.5)
                with fake.lock:
                    new = fake.sends[pushed:]
                for sent in new:
                    pushed += 1
                    print(f"SendSms {sent.template} ({len(sent.params)} values) to "
                          f"…{sent.phone[-4:]}: SerialNo {sent.serial}", flush=True)
                    if args.no_receipts:
                        continue
                    try:
                        answer = fake.push_status(post, f"{callback}/status", sent)
                        print(f"  status pushed: HTTP {answer.status_code}", flush=True)
                    except requests.RequestException as exc:
                        print(f"  status not pushed: {type(exc).__name__}", flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
