"""Alibaba Cloud SMS end to end: notify's sender, the real SDK, a fake Dysmsapi on 127.0.0.1.

The fake checks the SDK's ACS3-HMAC-SHA256 signature with the access key secret, so a
signing, action, version or parameter mistake fails here. It counts every SMS it takes
(it does not de-duplicate, as Alibaba Cloud does not), so "exactly once" is counted
where a phone would count it.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from services.common.config import ConfigError
from services.notify.models import Suppression
from services.notify.ops.sending import Sender
from services.notify.providers import build_providers
from services.notify.providers.aliyun import AliyunProvider, send_days
from services.notify.providers.base import Outgoing, PermanentError, TemplateCall, TransientError
from services.notify.worker import apply_early
from tests.e2e.conftest import free_port
from tests.support.fake_aliyun import FakeAliyun
from tests.support.fake_console import hospital_template_dir, registered
from tests.support.notify import consume, event, facts, messages

SECRET = "callback-secret-0123456789abcdefXYZ"  # 128+ bits in a real deployment
PHONE = "13800138000"
#: The confirmation as the app's sms-templates.toml registers it (the fake knows the same file).
REGISTERED = registered().get("confirmation", "zh-CN")
CALL = TemplateCall(REGISTERED.codes["aliyun"], tuple(
    (name, {"name": "张三", "number": "11", "code": "K7QM4TZP"}.get(name, "门诊楼 3 楼"))
    for name in REGISTERED.variables), "仁和医院")


@pytest.fixture
def fake():
    with FakeAliyun() as running:
        yield running


@pytest.fixture
def notify(make_app, fake):
    return make_app("notify", **fake.settings(sms_callback_secret=SECRET,
                                              sms_gateway_timeout=2.0))


def sender(app) -> Sender:
    """notify's sender with the providers its settings build (SMS_PROVIDER=aliyun): each
    SMS goes as the registered template the pipeline filled."""
    rt = app.extensions["clinic"]
    built = build_providers(rt.settings, rt.db)
    assert isinstance(built.sms, AliyunProvider)
    return Sender(rt, built)


def confirmation(app):
    [sms] = messages(app, template="confirmation", channel="sms")
    return sms


def book(app) -> None:
    consume(app, event("booked", facts()))


# --- sending ------------------------------------------------------------------------------

def test_a_confirmation_goes_as_template_code_and_variables_signed_by_the_sdk(notify,
                                                                              fake) -> None:
    book(notify)
    assert sender(notify).send_due() == 1
    [request] = fake.requests
    assert request["action"] == "SendSms" and request["headers"]["x-acs-version"] == "2017-05-25"
    assert request["headers"]["authorization"].startswith("ACS3-HMAC-SHA256 Credential=")
    assert fake.refused == [], "the fake checked the SDK's signature and took it"
    [sent] = fake.taken
    message = confirmation(notify)
    assert (sent.phone, sent.sign_name, sent.template_code) == (
        PHONE, "仁和医院", REGISTERED.codes["aliyun"]), "the file's code for a confirmation"
    assert list(sent.params) == list(REGISTERED.variables)
    assert {k: sent.params[k] for k in ("name", "number", "code", "department", "token")} == {
        "name": "张三", "number": "11", "code": "K7QM4TZP", "department": "消化内科",
        "token": "token"}
    filled = REGISTERED.text
    for name, value in sent.params.items():
        filled = filled.replace("${" + name + "}", value)
    assert message.body == "【仁和医院】" + filled, "the log shows what the phone shows"
    assert sent.out_id == f"msg-{message.id}", "our reference goes as OutId"
    assert message.status == "sent" and message.provider == "aliyun"
    assert message.provider_id == sent.biz_id, "BizId is the provider's id"


def test_a_wrong_access_key_secret_is_refused_and_the_message_fails_with_the_code(
        make_app, fake) -> None:
    app = make_app("notify", **fake.settings(aliyun_access_key_secret="not-the-secret"))
    book(app)
    sender(app).send_due()
    assert fake.refused == ["SignatureDoesNotMatch"] and fake.taken == []
    message = confirmation(app)
    assert message.status == "failed" and "SignatureDoesNotMatch" in message.last_error


def test_a_tampered_or_replayed_request_is_refused_by_the_fake(fake) -> None:
    """The fake's own check: the SDK's request with one parameter changed, or sent twice."""
    provider = AliyunProvider(access_key_id=fake.access_key_id,
                              access_key_secret=fake.access_key_secret, region="cn-hangzhou",
                              endpoint=fake.endpoint, timeout=2)
    provider.send(Outgoing(ref="msg-1", channel="sms", to="+86" + PHONE, body="", template=CALL))
    [signed] = fake.requests
    headers = {k: v for k, v in signed["headers"].items() if k not in ("content-length",)}
    url = f"{fake.endpoint}/"
    tampered = {**signed["query"], "PhoneNumbers": "13900139000"}
    answer = requests.post(url, params=tampered, headers=headers, timeout=5)
    assert answer.status_code == 400 and answer.json()["Code"] == "SignatureDoesNotMatch"
    replayed = requests.post(url, params=signed["query"], headers=headers, timeout=5)
    assert replayed.json()["Code"] == "SignatureNonceUsed"
    other_key = requests.post(url, params=signed["query"], headers={
        **headers, "authorization": headers["authorization"].replace(
            fake.access_key_id, "LTAI-someone-else")}, timeout=5)
    assert other_key.status_code == 404
    assert other_key.json()["Code"] == "InvalidAccessKeyId.NotFound"
    assert len(fake.taken) == 1


@pytest.mark.parametrize("code", [
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.AMOUNT_NOT_ENOUGH", "InvalidAccessKeyId.NotFound"])
def test_invalid_number_template_signature_params_or_account_fail_with_the_code(
        notify, fake, code) -> None:
    fake.fail_with(code)
    book(notify)
    sender(notify).send_due()
    message = confirmation(notify)
    assert message.status == "failed" and message.attempts == 1
    assert code in message.last_error and PHONE[-8:] not in message.last_error


@pytest.mark.parametrize("code, at_least", [
    ("isp.SYSTEM_ERROR", 0), ("ServiceUnavailable", 0), ("InternalError", 0),
    ("Throttling.User", 30), ("isv.BUSINESS_LIMIT_CONTROL", 60)])
def test_throttling_and_transient_errors_retry_later_and_then_go(notify, fake, clock, code,
                                                                 at_least) -> None:
    fake.retry_after_ms = 30_000  # Throttling.User's x-acs-retry-after
    fake.fail_with(code)
    book(notify)
    before = clock.now()
    send = sender(notify)
    send.send_due()
    message = confirmation(notify)
    assert message.status == "queued" and code in message.last_error
    assert message.send_after >= before + timedelta(seconds=max(at_least, 5)), \
        "backoff, and at least the wait the vendor asked for"
    clock.advance(timedelta(minutes=2))
    send.send_due()
    assert confirmation(notify).status == "sent" and len(fake.taken) == 1


def test_the_vendor_checks_what_the_sdk_sent(fake) -> None:
    """The fake's own answers for a number, a template and variables it cannot take."""
    provider = AliyunProvider(access_key_id=fake.access_key_id,
                              access_key_secret=fake.access_key_secret, region="cn-hangzhou",
                              endpoint=fake.endpoint, timeout=2)
    sms = Outgoing(ref="msg-1", channel="sms", to="+86" + PHONE, body="", template=CALL)
    with pytest.raises(PermanentError, match=r"isv\.MOBILE_NUMBER_ILLEGAL"):
        provider.send(dataclasses.replace(sms, to="+86123"))
    with pytest.raises(PermanentError, match=r"isv\.SMS_TEMPLATE_ILLEGAL"):
        provider.send(dataclasses.replace(sms, template=dataclasses.replace(CALL, code="SMS_9")))
    with pytest.raises(PermanentError, match=r"isv\.TEMPLATE_MISSING_PARAMETERS"):
        provider.send(dataclasses.replace(sms, template=dataclasses.replace(
            CALL, params=CALL.params[:2])))
    with pytest.raises(PermanentError, match="no registered template"):
        provider.send(dataclasses.replace(sms, template=None))
    assert fake.taken == []


def test_a_vendor_that_cannot_be_reached_is_a_transient_error_in_doubt() -> None:
    provider = AliyunProvider(access_key_id="id", access_key_secret="secret",
                              region="cn-hangzhou", endpoint=f"http://127.0.0.1:{free_port()}",
                              timeout=1)
    with pytest.raises(TransientError) as raised:
        provider.send(Outgoing(ref="msg-1", channel="sms", to="+86" + PHONE, body="",
                               template=CALL))
    assert raised.value.in_doubt


def test_plain_http_is_only_for_a_fake_on_this_machine() -> None:
    with pytest.raises(ValueError, match="HTTPS"):
        AliyunProvider(access_key_id="id", access_key_secret="secret", region="cn-hangzhou",
                       endpoint="http://dysmsapi.aliyuncs.com")
    https = AliyunProvider(access_key_id="id", access_key_secret="secret",
                           region="cn-hangzhou", endpoint="dysmsapi.aliyuncs.com")
    assert https.config.protocol == "HTTPS"


# --- exactly once ---------------------------------------------------------------------------

def test_a_send_whose_answer_was_lost_is_looked_up_not_sent_again(notify, fake, clock) -> None:
    """The fake takes the SMS and drops the connection: the sender cannot know. The next
    attempt asks QuerySendDetails for our OutId and records it; the phone gets one SMS."""
    fake.lose_answers = 1
    book(notify)
    send = sender(notify)
    send.send_due()
    message = confirmation(notify)
    assert len(fake.taken) == 1 and message.status == "queued" and message.handed_at, \
        "no answer: in doubt"
    clock.advance(timedelta(minutes=5))
    send.send_due()
    message = confirmation(notify)
    assert len(fake.taken) == 1, "looked up, not sent again (counted at the fake)"
    assert [q["PhoneNumber"] for q in fake.lookups] == [PHONE]
    assert message.status == "sent" and message.provider_id == f"msg-{message.id}"
    report = fake.report(fake.taken[0])
    answer = notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/report", json=report)
    assert answer.json == {"code": 0, "msg": "成功"}
    assert confirmation(notify).status == "delivered", "its receipt finds it by out_id"


def test_a_lost_answer_the_vendor_never_took_is_sent_after_the_lookup(notify, fake,
                                                                     clock) -> None:
    """No answer, but nothing reached the vendor: the lookup finds nothing; it goes once."""
    fake.drop_requests = 1
    book(notify)
    send = sender(notify)
    send.send_due()
    assert confirmation(notify).status == "queued" and fake.taken == []
    clock.advance(timedelta(minutes=5))
    send.send_due()
    assert len(fake.lookups) >= 1 and len(fake.taken) == 1
    assert confirmation(notify).provider_id == fake.taken[0].biz_id


def test_a_lookup_near_midnight_searches_both_days() -> None:
    shanghai_midnight = datetime(2025, 6, 1, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    assert send_days(shanghai_midnight + timedelta(minutes=20)) == ["20250602", "20250601"]
    assert send_days(shanghai_midnight - timedelta(minutes=20)) == ["20250601", "20250602"]
    assert send_days(shanghai_midnight + timedelta(hours=6)) == ["20250602"]


# --- receipts and replies --------------------------------------------------------------------

@pytest.mark.parametrize("success, status", [(True, "delivered"), (False, "failed")])
def test_receipts_mark_the_message_delivered_or_failed(notify, fake, success, status) -> None:
    book(notify)
    sender(notify).send_due()
    report = fake.report(fake.taken[0], success=success,
                         err_code="DELIVERED" if success else "MK:0001",
                         err_msg="用户接收成功" if success else "空号")
    answer = notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/report", json=report)
    assert answer.status_code == 200 and answer.json == {"code": 0, "msg": "成功"}
    message = confirmation(notify)
    assert message.status == status
    if not success:
        assert "MK:0001" in message.last_error


def test_a_receipt_before_the_lookup_recorded_its_message_is_applied_later(notify, fake,
                                                                           clock) -> None:
    fake.lose_answers = 1
    book(notify)
    send = sender(notify)
    send.send_due()
    report = fake.report(fake.taken[0])
    client = notify.test_client()
    assert client.post(f"/api/v1/sms/aliyun/{SECRET}/report", json=report).status_code == 200
    clock.advance(timedelta(minutes=5))
    send.send_due()
    assert confirmation(notify).status == "sent"
    apply_early(notify.extensions["clinic"])
    assert confirmation(notify).status == "delivered"


@pytest.mark.parametrize("content", ["TD", "退订", " td ", "STOP"])
def test_a_td_reply_opts_the_number_out(notify, fake, content) -> None:
    answer = notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/up",
                                       json=fake.reply(PHONE, content))
    assert answer.status_code == 200 and answer.json == {"code": 0, "msg": "成功"}
    with notify.extensions["clinic"].db.reading() as session:
        [opted] = session.scalars(select(Suppression)).all()
    assert (opted.channel, opted.recipient, opted.active) == ("sms", "+86" + PHONE, True)
    book(notify)
    assert confirmation(notify).status == "suppressed"


def test_other_replies_and_bad_numbers_change_nothing(notify, fake) -> None:
    pushed = fake.reply(PHONE, "谢谢") + fake.reply("12345", "TD")
    answer = notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/up", json=pushed)
    assert answer.json == {"code": 0, "msg": "成功"}
    with notify.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(Suppression)).all() == []


@pytest.mark.parametrize("path", ["report", "up"])
def test_a_wrong_callback_secret_is_404_and_changes_nothing(notify, fake, path) -> None:
    client = notify.test_client()
    wrong = SECRET[:-1] + ("x" if SECRET[-1] != "x" else "y")
    answer = client.post(f"/api/v1/sms/aliyun/{wrong}/{path}", json=fake.reply(PHONE, "TD"))
    assert answer.status_code == 404
    with notify.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(Suppression)).all() == []


def test_no_callback_secret_configured_means_no_callback_address(make_app, fake) -> None:
    app = make_app("notify", **fake.settings())
    answer = app.test_client().post("/api/v1/sms/aliyun/anything/up",
                                    json=fake.reply(PHONE, "TD"))
    assert answer.status_code == 404


def test_a_malformed_push_is_refused(notify) -> None:
    answer = notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/report",
                                       json=[{"phone_number": PHONE}])
    assert answer.status_code == 422


# --- configuration ------------------------------------------------------------------------

PRODUCTION = {"env": "production", "jwt_secret": "p" * 40, "email_provider": "smtp",
              "sms_webhook_secret": "w" * 40, "sms_provider": "aliyun",
              "sms_sign_name": "仁和医院", "aliyun_access_key_id": "LTAI-id",
              "aliyun_access_key_secret": "s" * 30, "sms_callback_secret": "c" * 32}


@pytest.mark.parametrize("missing", ["sms_sign_name", "aliyun_access_key_id",
                                     "aliyun_access_key_secret", "sms_callback_secret"])
def test_production_names_what_aliyun_lacks(make_app, tmp_path, missing) -> None:
    with pytest.raises(ConfigError, match=missing.upper()):
        make_app("notify", **{**PRODUCTION, "template_dir": hospital_template_dir(tmp_path),
                              missing: ""})


def test_production_refuses_the_shipped_placeholder_codes(make_app) -> None:
    with pytest.raises(ConfigError, match="shipped"):
        make_app("notify", **PRODUCTION)


def test_production_with_everything_aliyun_needs_starts(make_app, tmp_path) -> None:
    app = make_app("notify", **PRODUCTION, template_dir=hospital_template_dir(tmp_path))
    assert isinstance(build_providers(app.extensions["clinic"].settings,
                                      app.extensions["clinic"].db).sms, AliyunProvider)


def test_no_log_line_names_the_phone(notify, fake, clock, caplog) -> None:
    fake.lose_answers = 1
    book(notify)
    send = sender(notify)
    with caplog.at_level("INFO"):
        send.send_due()
        clock.advance(timedelta(minutes=5))
        send.send_due()
        notify.test_client().post(f"/api/v1/sms/aliyun/{SECRET}/up",
                                  json=fake.reply(PHONE, "TD"))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "found by QuerySendDetails" in text
    assert not re.search(r"1380013|8000138", text)
