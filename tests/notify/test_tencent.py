"""Tencent Cloud SMS through Tencent's own SDK, against a fake Tencent on 127.0.0.1.

The fake checks every request's TC3-HMAC-SHA256 signature with the account's key, so a
signing, region, version, action or parameter mistake fails here. Sends are counted at
the fake before anything could de-duplicate them (Tencent does not): exactly once means
one entry in ``fake.sends``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.config import ConfigError
from services.notify.config import NotifySettings
from services.notify.handlers import handlers
from services.notify.models import DeadLetter, InboxRecord, Message, Suppression
from services.notify.ops.sending import Sender
from services.notify.providers import (
    Outgoing,
    PermanentError,
    Providers,
    TransientError,
    build_providers,
)
from services.notify.providers.base import TemplateCall
from services.notify.providers.tencent import TencentSmsProvider
from tests.e2e.conftest import free_port
from tests.support.fake_console import hospital_template_dir, registered
from tests.support.fake_tencent import FakeTencent
from tests.support.notify import event, facts

CALLBACK_SECRET = "k3Vq9-Zt0pXy7LmN4rB2wS8eHc"  # 26 characters of a random alphabet
PHONE = "+8613800138000"
#: The confirmation as the app's sms-templates.toml registers it (the fake knows the same file).
REGISTERED = registered().get("confirmation", "zh-CN")
VALUES = {"name": "张三", "when": "6月3日（周三）09:00", "code": "K7QM4TZP", "number": "11"}
CONFIRMATION = TemplateCall(code=REGISTERED.codes["tencent"], sign_name="仁和医院", params=tuple(
    (name, VALUES.get(name, "门诊楼 3 楼")) for name in REGISTERED.variables))
SMS = Outgoing(ref="msg-42", channel="sms", to=PHONE, body="【仁和医院】张三，您已预约…",
               template=CONFIRMATION)


@pytest.fixture
def fake():
    with FakeTencent() as running:
        yield running


def provider(fake: FakeTencent, **overrides) -> TencentSmsProvider:
    s = {**fake.settings(), **overrides}
    return TencentSmsProvider(secret_id=s["tencent_secret_id"],
                              secret_key=s["tencent_secret_key"], region=s["tencent_region"],
                              endpoint=s["tencent_endpoint"], sdk_app_id=s["tencent_sdk_app_id"],
                              sign_name=s["sms_sign_name"], timeout=5,
                              report_wait=s.get("report_wait", 300.0))


# --- sending -----------------------------------------------------------------------------

def test_a_confirmation_goes_as_template_id_and_values_signed_by_the_sdk(fake) -> None:
    serial = provider(fake).send(SMS)
    [sent] = fake.sends
    assert serial == sent.serial and serial.startswith("2433:")
    assert (sent.phone, sent.template, sent.params, sent.sign, sent.session) == (
        PHONE, REGISTERED.codes["tencent"], CONFIRMATION.values(), "仁和医院", "msg-42")
    assert sent.params[:2] == ["张三", "6月3日（周三）09:00"], "in the registered text's order"
    headers = fake.requests[0]["headers"]
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["authorization"].startswith(
        f"TC3-HMAC-SHA256 Credential={fake.secret_id}/")
    body = json.loads(fake.requests[0]["body"])
    assert body["PhoneNumberSet"] == [PHONE] and body["SmsSdkAppId"] == fake.sdk_app_id


def test_the_fake_refuses_a_tampered_body_and_a_wrong_key(fake) -> None:
    """The fake's check is the test's guard: it must refuse what Tencent would."""
    provider(fake).send(SMS)
    signed = fake.requests[0]
    tampered = signed["body"].replace(b"K7QM4TZP", b"K7QM4TZQ")
    assert fake.why_refused("POST", "/", signed["headers"], signed["body"]) is None
    assert fake.why_refused("POST", "/", signed["headers"], tampered)[0] == \
        "AuthFailure.SignatureFailure"
    with pytest.raises(PermanentError, match=r"AuthFailure\.SignatureFailure"):
        provider(fake, tencent_secret_key="not-the-account-key").send(SMS)
    with pytest.raises(PermanentError, match=r"AuthFailure\.SecretIdNotFound"):
        provider(fake, tencent_secret_id="AKIDsomeoneelse").send(SMS)
    with pytest.raises(PermanentError, match=r"UnsupportedOperation\.UnsupportedRegion"):
        provider(fake, tencent_region="ap-beijing").send(SMS)
    with pytest.raises(PermanentError, match=r"InvalidParameterValue\.SdkAppIdNotExist"):
        provider(fake, tencent_sdk_app_id="1400000000").send(SMS)
    assert len(fake.sends) == 1


def test_a_message_without_a_registered_template_is_never_sent(fake) -> None:
    with pytest.raises(PermanentError, match="template"):
        provider(fake).send(dataclasses.replace(SMS, template=None))
    assert fake.requests == []


@pytest.mark.parametrize(("change", "code"), [
    ({"template": dataclasses.replace(CONFIRMATION, sign_name="别的医院")},
     "FailedOperation.SignatureIncorrectOrUnapproved"),
    ({"template": dataclasses.replace(CONFIRMATION, code="9999")},
     "FailedOperation.TemplateIncorrectOrUnapproved"),
    ({"template": dataclasses.replace(CONFIRMATION, params=CONFIRMATION.params[:2])},
     "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
    ({"to": "+862155550100"}, "InvalidParameterValue.IncorrectPhoneNumber"),
], ids=["signature", "template", "variables", "number"])
def test_what_tencent_will_never_send_fails_with_its_code_and_no_phone(fake, change,
                                                                       code) -> None:
    with pytest.raises(PermanentError) as refused:
        provider(fake).send(dataclasses.replace(SMS, **change))
    assert str(refused.value).startswith(f"tencent {code}")
    assert "13800138000" not in str(refused.value) and "55550100" not in str(refused.value)
    assert fake.sends == [] and fake.refusals == [code]


@pytest.mark.parametrize(("code", "in_status", "kind", "wait"), [
    ("LimitExceeded.PhoneNumberThirtySecondLimit", True, TransientError, 30),
    ("LimitExceeded.PhoneNumberOneHourLimit", True, TransientError, 3600),
    ("LimitExceeded.PhoneNumberDailyLimit", True, TransientError, "until midnight"),
    ("RequestLimitExceeded", False, TransientError, 1),
    ("InternalError.Timeout", False, TransientError, None),
    ("InternalError.SendAndRecvFail", False, TransientError, None),
    ("FailedOperation.InsufficientBalanceInSmsPackage", False, PermanentError, None),
    ("FailedOperation.PhoneNumberInBlacklist", True, PermanentError, None),
    ("InvalidParameterValue.TemplateParameterFormatError", True, PermanentError, None),
    ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", True, PermanentError, None),
    ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", False, PermanentError, None),
    ("UnauthorizedOperation.ServiceSuspendDueToArrears", False, PermanentError, None),
    ("AuthFailure.UnauthorizedOperation", False, PermanentError, None),
])
def test_each_error_class_is_told_apart(fake, code, in_status, kind, wait) -> None:
    fake.fail_next(code, in_status=in_status)
    with pytest.raises((TransientError, PermanentError)) as failed:
        provider(fake).send(SMS)
    assert type(failed.value) is kind and str(failed.value).startswith(f"tencent {code}")
    if wait == "until midnight":
        assert 0 < failed.value.retry_after <= 24 * 3600
    elif kind is TransientError:
        assert failed.value.retry_after == wait
    assert fake.sends == []


def test_tencent_down_or_unreachable_is_transient_and_not_in_doubt(fake) -> None:
    fake.down_for(60)
    sender = provider(fake)
    with pytest.raises(TransientError, match="ServerNetworkError"):
        sender.send(SMS)
    unreachable = provider(fake, tencent_endpoint=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientError, match="ClientNetworkError"):
        unreachable.send(SMS)
    assert unreachable._unanswered == {}, "no connection: Tencent cannot have it"


# --- a lost answer: looked up, never sent twice ---------------------------------------------

def test_an_unanswered_send_is_looked_up_before_it_goes_again(fake) -> None:
    sender = provider(fake)
    fake.lose_next_answer()
    with pytest.raises(TransientError, match="looked up"):
        sender.send(SMS)
    assert len(fake.sends) == 1
    assert sender.send(SMS) == fake.sends[0].serial
    assert len(fake.sends) == 1, "found by its SessionContext, not sent again"
    [pull] = fake.pulls
    assert pull["PhoneNumber"] == PHONE and pull["Limit"] == 100 and pull["Offset"] == 0


def test_with_no_status_yet_it_waits_and_only_then_sends_again(fake) -> None:
    fake.auto_report = False  # the carrier has not reported: Tencent has no status to show
    patient = provider(fake)
    fake.lose_next_answer()
    with pytest.raises(TransientError):
        patient.send(SMS)
    with pytest.raises(TransientError, match="waiting") as waiting:
        patient.send(SMS)
    assert 0 < waiting.value.retry_after <= 30 and len(fake.sends) == 1
    impatient = provider(fake, report_wait=0.0)
    fake.lose_next_answer()
    with pytest.raises(TransientError):
        impatient.send(SMS)
    impatient.send(SMS)
    assert len(fake.sends) == 3, "after report_wait without a status it goes again"


def consume(app, *events) -> None:
    """Hand events to notify as its worker does: a booking plans its confirmation."""
    from services.common.service import make_consumer

    rt = app.extensions["clinic"]
    consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
    for each in events:
        consumer.handle(each)


@pytest.fixture
def notify(make_app, fake):
    return make_app("notify", **fake.settings(), sms_callback_secret=CALLBACK_SECRET,
                    send_retry_base_seconds=1.0, send_concurrency=1)


def confirmation(app) -> Message:
    with app.extensions["clinic"].db.reading() as session:
        return session.scalars(select(Message).where(Message.channel == "sms",
                                                     Message.template == "confirmation")).one()


def sender_for(app, fake, **overrides) -> Sender:
    """notify's sender with the real provider: each SMS goes as the registered template
    the pipeline filled (``Outgoing.template``)."""
    return Sender(app.extensions["clinic"], Providers(sms=provider(fake, **overrides),
                                                      email=None))


def test_the_sender_looks_up_a_lost_answer_and_sends_one_sms(notify, fake, clock) -> None:
    consume(notify, event("booked", facts()))
    sender = sender_for(notify, fake)
    fake.lose_next_answer()
    sender.send_due()
    assert confirmation(notify).status == "queued" and len(fake.sends) == 1
    clock.advance(timedelta(seconds=5))
    sender.send_due()
    sms = confirmation(notify)
    assert (sms.status, sms.attempts, sms.provider) == ("sent", 2, "tencent")
    assert sms.provider_id == fake.sends[0].serial
    assert len(fake.sends) == 1 and len(fake.pulls) == 1, "looked up, not sent again"


@pytest.mark.parametrize("tencent_has_it", [True, False], ids=["handed-over", "never-reached"])
def test_a_sender_that_died_mid_send_is_followed_by_a_lookup(notify, fake, clock,
                                                             tencent_has_it) -> None:
    consume(notify, event("booked", facts()))
    died = sender_for(notify, fake)
    [claimed] = died.claim()
    assert died._handing_over(claimed) is not None  # handing it over, the sender died …
    if tencent_has_it:  # … after Tencent took the SMS
        assert claimed.outgoing.template is not None, "the pipeline's registered template"
        provider(fake).send(claimed.outgoing)
    clock.advance(timedelta(seconds=notify.extensions["clinic"].settings.send_lease_seconds + 1))
    sender_for(notify, fake).send_due()
    sms = confirmation(notify)
    assert sms.status == "sent" and len(fake.pulls) == 1
    assert len(fake.sends) == 1, "one SMS whichever way the first sender died"
    assert sms.provider_id == fake.sends[0].serial


# --- Tencent's callbacks ---------------------------------------------------------------

def poster(app):
    client = app.test_client()
    return lambda url, body: client.post(url, json=body)


def sent_confirmation(notify, fake) -> None:
    consume(notify, event("booked", facts()))
    sender_for(notify, fake).send_due()
    assert confirmation(notify).status == "sent"
    [sent] = fake.sends
    assert sent.template == REGISTERED.codes["tencent"], "the file's code for a confirmation"
    assert len(sent.params) == len(REGISTERED.variables) and sent.params[0] == "张三"


@pytest.mark.parametrize(("report", "status"), [("SUCCESS", "delivered"), ("FAIL", "failed")])
def test_a_status_callback_marks_the_message(notify, fake, report, status) -> None:
    sent_confirmation(notify, fake)
    answer = fake.push_status(poster(notify), f"/api/v1/sms/tencent/{CALLBACK_SECRET}/status",
                              fake.sends[0], status=report,
                              errmsg="DELIVRD" if report == "SUCCESS" else "MK:0001",
                              description="用户短信送达成功" if report == "SUCCESS" else "空号")
    assert answer.status_code == 200 and answer.json == {"result": 0, "errmsg": "OK"}
    sms = confirmation(notify)
    assert sms.status == status
    if report == "FAIL":
        assert sms.last_error == "tencent MK:0001: 空号"


def test_a_td_reply_opts_the_number_out(notify, fake) -> None:
    answer = fake.push_reply(poster(notify), f"/api/v1/sms/tencent/{CALLBACK_SECRET}/reply",
                             PHONE, " td ")
    assert answer.status_code == 200 and answer.json == {"result": 0, "errmsg": "OK"}
    with notify.extensions["clinic"].db.reading() as session:
        [opted] = session.scalars(select(Suppression)).all()
    assert (opted.channel, opted.recipient, opted.active, opted.source) == (
        "sms", PHONE, True, "keyword")
    consume(notify, event("booked", facts()))
    sender_for(notify, fake).send_due()
    assert confirmation(notify).status == "suppressed" and fake.sends == []


def test_an_ordinary_reply_changes_nothing(notify, fake) -> None:
    fake.push_reply(poster(notify), f"/api/v1/sms/tencent/{CALLBACK_SECRET}/reply", PHONE,
                    "谢谢")
    with notify.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(Suppression)).all() == []


@pytest.mark.parametrize("path", ["status", "reply"])
def test_a_wrong_callback_secret_is_404_and_changes_nothing(notify, fake, make_app,
                                                            path) -> None:
    sent_confirmation(notify, fake)
    body = (fake.status_callback(fake.sends[0]) if path == "status"
            else fake.reply_callback(PHONE, "TD"))
    client = notify.test_client()
    for wrong in ("k3Vq9-Zt0pXy7LmN4rB2wS8eHd", "x", CALLBACK_SECRET + "x"):
        assert client.post(f"/api/v1/sms/tencent/{wrong}/{path}", json=body).status_code == 404
    unset = make_app("notify", **fake.settings()).test_client()  # no SMS_CALLBACK_SECRET
    for any_secret in (CALLBACK_SECRET, "x"):
        assert unset.post(f"/api/v1/sms/tencent/{any_secret}/{path}",
                          json=body).status_code == 404
    assert confirmation(notify).status == "sent"
    with notify.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(Suppression)).all() == []


# --- configuration ---------------------------------------------------------------------

def test_production_names_what_tencent_needs() -> None:
    environ = {"ENV": "production", "JWT_SECRET": "j" * 40, "SMS_PROVIDER": "tencent",
               "EMAIL_PROVIDER": "none", "SMS_WEBHOOK_SECRET": "w" * 40}
    with pytest.raises(ConfigError) as missing:
        NotifySettings.from_env(environ=environ).check_production()
    for name in ("SMS_SIGN_NAME", "TENCENT_SECRET_ID", "TENCENT_SECRET_KEY",
                 "TENCENT_SDK_APP_ID", "SMS_CALLBACK_SECRET"):
        assert name in str(missing.value)
    complete = {**environ, "SMS_SIGN_NAME": "仁和医院", "TENCENT_SECRET_ID": "AKIDx",
                "TENCENT_SECRET_KEY": "key", "TENCENT_SDK_APP_ID": "1400006666",
                "SMS_CALLBACK_SECRET": CALLBACK_SECRET}
    NotifySettings.from_env(environ=complete).check_production()


def test_production_takes_the_hospitals_templates_not_the_shipped_placeholders(
        make_app, tmp_path) -> None:
    settings = {"env": "production", "jwt_secret": "j" * 40, "email_provider": "none",
                "sms_webhook_secret": "w" * 40, "sms_provider": "tencent",
                "sms_sign_name": "仁和医院", "tencent_secret_id": "AKIDx",
                "tencent_secret_key": "k" * 32, "tencent_sdk_app_id": "1400006666",
                "sms_callback_secret": CALLBACK_SECRET}
    with pytest.raises(ConfigError, match="shipped"):
        make_app("notify", **settings)
    app = make_app("notify", **settings, template_dir=hospital_template_dir(tmp_path))
    rt = app.extensions["clinic"]
    assert isinstance(build_providers(rt.settings, rt.db).sms, TencentSmsProvider)


def test_sms_provider_tencent_builds_the_sdk_provider(notify, fake) -> None:
    rt = notify.extensions["clinic"]
    sms = build_providers(rt.settings, rt.db).sms
    assert isinstance(sms, TencentSmsProvider)
    assert (sms.endpoint, sms.protocol) == (fake.endpoint.removeprefix("http://"), "http")
    assert sms.send(SMS) == fake.sends[0].serial
