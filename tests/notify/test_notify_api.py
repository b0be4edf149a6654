"""Notify's API: the message log, opt-outs, and the SMS webhook."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.common.config import ConfigError
from services.common.logging import mask_phone
from services.notify.config import DEFAULT_WEBHOOK_SECRET
from services.notify.models import DevOutboxItem, EarlyReceipt, Suppression
from tests.support.gateway import post_as_gateway
from tests.support.notify import consume, event, facts, messages


def test_the_message_log_is_for_admins_with_masked_recipients(app, auth_header) -> None:
    consume(app, event("booked", facts(appointment_id=7)), event("booked", facts(8)))
    client = app.test_client()
    assert client.get("/api/v1/messages").status_code == 401
    assert client.get("/api/v1/messages", headers=auth_header("frontdesk")).status_code == 403
    log = client.get("/api/v1/messages?appointment_id=7", headers=auth_header("admin")).json
    assert {m["template"] for m in log} == {"confirmation", "reminder"}
    assert all(m["recipient"] == mask_phone("+8613800138000") for m in log)
    assert "K7QM4TZP" in log[-1]["body"] and log[-1]["segments"] >= 1
    queued = client.get("/api/v1/messages?status=queued", headers=auth_header("admin")).json
    assert len(queued) == 4
    assert client.get("/api/v1/messages?status=lost",
                      headers=auth_header("admin")).status_code == 422


def test_an_opt_out_stops_what_waits_and_what_comes(app, auth_header) -> None:
    consume(app, event("booked", facts(appointment_id=7)))
    client = app.test_client()
    response = client.post("/api/v1/opt-outs", json={"recipient": "138 0013 8000"},
                           headers=auth_header("consultant"))
    assert response.status_code == 201
    assert response.json["recipient"] == mask_phone("+8613800138000")
    assert {m.status for m in messages(app)} == {"suppressed"}
    consume(app, event("booked", facts(appointment_id=8)))
    assert {m.status for m in messages(app)} == {"suppressed"}
    listed = client.get("/api/v1/opt-outs", headers=auth_header("admin")).json
    assert [o["active"] for o in listed] == [True]
    assert client.delete(f"/api/v1/opt-outs/{listed[0]['id']}",
                         headers=auth_header("admin")).status_code == 204
    consume(app, event("booked", facts(appointment_id=9)))
    assert messages(app, appointment_id=9)[0].status == "queued", "opted in again"


@pytest.mark.parametrize("recipient", ["12345", "not a phone"])
def test_bad_opt_outs_are_422(app, auth_header, recipient) -> None:
    response = app.test_client().post("/api/v1/opt-outs", json={"recipient": recipient},
                                      headers=auth_header("admin"))
    assert response.status_code == 422


def problem_of(response) -> tuple[int, str, object]:
    body = response.json
    return response.status_code, body["detail"], body.get("errors")


def test_each_refusal_keeps_its_status_words_and_field(app, auth_header) -> None:
    """The answers notify gave before its refusals were raised where the rules live: the
    same status, words and field at fault (a ``code`` naming the kind came with them)."""
    client, admin = app.test_client(), auth_header("admin")
    email = client.post("/api/v1/opt-outs", json={"channel": "email", "recipient": "li@"},
                        headers=admin)
    said = "This is not an email address."
    assert problem_of(email) == (422, said, {"json": {"recipient": [said]}})
    phone = client.post("/api/v1/opt-outs", json={"recipient": "12345"}, headers=admin)
    status, detail, errors = problem_of(phone)
    assert status == 422 and detail and errors == {"json": {"recipient": [detail]}}
    assert problem_of(client.delete("/api/v1/opt-outs/999", headers=admin)) == (
        404, "No such opt-out.", None)
    reply = {"type": "inbound", "from": "+8613800138000", "text": "TD"}
    assert problem_of(post_as_gateway(client, reply, provider="nobody")) == (
        404, "No such SMS provider.", None)
    assert problem_of(post_as_gateway(client, {"type": "receipt"})) == (
        422, "A receipt needs provider_id and status.", None)
    assert problem_of(post_as_gateway(client, {"type": "inbound", "text": "TD"})) == (
        422, "A reply needs from and text.", None)
    assert problem_of(post_as_gateway(client, {**reply, "from": "12345"})) == (
        422, "The sender is not a phone number.", None)
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(Suppression)).all() == [], "nothing refused was kept"


@pytest.mark.parametrize("keyword", ["TD", "退订", "stop"])
def test_an_opt_out_keyword_by_sms_suppresses_later_messages(app, keyword) -> None:
    client = app.test_client()
    response = post_as_gateway(client, {
        "type": "inbound", "from": "+8613800138000", "text": keyword})
    assert response.status_code == 200 and response.json["result"] == "opted out"
    consume(app, event("booked", facts()))
    assert {m.status for m in messages(app)} == {"suppressed"}


def test_other_replies_change_nothing(app) -> None:
    response = post_as_gateway(app.test_client(), {
        "type": "inbound", "from": "+8613800138000", "text": "谢谢"})
    assert response.json["result"] == "ignored"


def test_receipts_mark_messages_delivered_or_failed(app) -> None:
    from services.notify.ops.sending import Sender
    from services.notify.providers import Providers
    from tests.support.notify import FlakyProvider

    consume(app, event("booked", facts()))
    rt = app.extensions["clinic"]
    Sender(rt, Providers(sms=FlakyProvider(), email=None)).send_due()
    [sent] = messages(app, status="sent")
    client = app.test_client()
    receipt = {"type": "receipt", "provider_id": sent.provider_id, "status": "delivered"}
    assert post_as_gateway(client, receipt).json["result"] == "delivered"
    assert messages(app, id=sent.id)[0].status == "delivered"
    unknown = {**receipt, "provider_id": "nope"}
    assert post_as_gateway(client, unknown).json["result"] == "unknown message"
    assert post_as_gateway(client, receipt, provider="nobody").status_code == 404
    assert post_as_gateway(client, {"type": "receipt"}).status_code == 422


class FastCarrier:
    """A gateway whose carrier reports delivery before ``send`` has even returned."""

    name = "fast"

    def __init__(self, app, status: str = "delivered") -> None:
        self.client, self.status = app.test_client(), status
        self.answers: list[str] = []

    def send(self, item) -> str:
        provider_id = f"gw-{item.ref}"
        receipt = {"type": "receipt", "provider_id": provider_id, "status": self.status,
                   "error": "absent subscriber"}
        self.answers.append(post_as_gateway(self.client, receipt).json["result"])
        return provider_id


@pytest.mark.parametrize("status", ["delivered", "failed"])
def test_a_receipt_that_beats_its_message_being_recorded_is_applied_when_it_is(
        app, status) -> None:
    """The carrier's receipt came before the sender wrote the gateway's id: it used to
    be answered "unknown message" and lost, and the log said sent for ever."""
    from services.notify.ops.sending import Sender
    from services.notify.providers import Providers
    from services.notify.worker import apply_early

    consume(app, event("booked", facts()))
    rt = app.extensions["clinic"]
    carrier = FastCarrier(app, status)
    Sender(rt, Providers(sms=carrier, email=None)).send_due()
    assert carrier.answers == ["unknown message"], "it came first"
    [message] = messages(app, template="confirmation", channel="sms")
    assert message.status == "sent"
    apply_early(rt)
    message = messages(app, id=message.id)[0]
    assert message.status == status
    assert message.last_error == ("absent subscriber" if status == "failed" else None)
    with rt.db.reading() as session:
        assert session.scalars(select(EarlyReceipt)).all() == [], "applied once, then gone"


def test_a_receipt_whose_message_never_appears_is_dropped_after_a_day(app, clock) -> None:
    from datetime import timedelta

    from services.notify.worker import apply_early

    rt = app.extensions["clinic"]
    stray = {"type": "receipt", "provider_id": "not-ours", "status": "delivered"}
    assert post_as_gateway(app.test_client(), stray).json["result"] == "unknown message"
    clock.advance(timedelta(hours=23))
    apply_early(rt)
    with rt.db.reading() as session:
        assert len(session.scalars(select(EarlyReceipt)).all()) == 1, "still waited for"
    clock.advance(timedelta(hours=2))
    apply_early(rt)
    with rt.db.reading() as session:
        assert session.scalars(select(EarlyReceipt)).all() == []


def test_only_the_gateway_can_opt_a_patient_out_or_mark_a_message(app) -> None:
    """The audit's attack: an unsigned TD from anyone opted the patient out. Unsigned,
    forged or stale calls are 401 and change nothing."""
    import time

    client = app.test_client()
    body = {"type": "inbound", "from": "+8613800138000", "text": "TD"}
    assert client.post("/api/v1/webhooks/sms/http", json=body).status_code == 401
    assert post_as_gateway(client, body, secret="guessed-" * 6).status_code == 401
    assert post_as_gateway(client, body, at=time.time() - 301).status_code == 401
    assert post_as_gateway(client, body, at=time.time() + 301).status_code == 401
    forged_receipt = {"type": "receipt", "provider_id": "outbox-1", "status": "failed"}
    assert client.post("/api/v1/webhooks/sms/http", json=forged_receipt).status_code == 401
    consume(app, event("booked", facts()))
    assert {m.status for m in messages(app, template="confirmation")} == {"queued"}, \
        "nothing was opted out"
    assert post_as_gateway(client, body).status_code == 200


def test_the_dev_outbox_page_shows_what_was_sent(app) -> None:
    from services.notify.providers import Outgoing
    from services.notify.providers.outbox import OutboxProvider

    OutboxProvider(app.extensions["clinic"].db, "sms").send(
        Outgoing(ref="msg-1", channel="sms", to="+8613800138000", body="【仁和医院】预约成功"))
    client = app.test_client()
    assert client.get("/outbox").status_code == 302, "staff sign in first"
    signed_in(client, app)
    page = client.get("/outbox")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "【仁和医院】预约成功" in text
    assert "8000" in text and "13800138000" not in text, "the recipient is masked, as in lists"
    with app.extensions["clinic"].db.reading() as session:
        sent_at = session.scalars(select(DevOutboxItem.created_at)).one()
    shanghai = sent_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{shanghai:%Y-%m-%d %H:%M:%S}" in text, "on the hospital's clock"


def signed_in(client, app) -> None:
    from services.common.auth import SESSION_COOKIE
    from services.common.tokens import issue_token

    secret = app.extensions["clinic"].settings.jwt_secret
    client.set_cookie(SESSION_COOKIE, issue_token(secret, "admin", ["admin"], ttl_seconds=60))


PRODUCTION = {"env": "production", "jwt_secret": "p" * 40, "sms_provider": "http",
              "email_provider": "smtp", "sms_webhook_secret": "w" * 40}


@pytest.mark.parametrize("change, needed", [
    ({"sms_provider": "outbox"}, "SMS_PROVIDER"), ({"email_provider": "outbox"}, "SMS_PROVIDER"),
    ({"sms_webhook_secret": DEFAULT_WEBHOOK_SECRET}, "SMS_WEBHOOK_SECRET"),
    ({"sms_webhook_secret": "short"}, "SMS_WEBHOOK_SECRET")])
def test_production_refuses_to_start_sending_nowhere_or_with_a_known_key(make_app, change,
                                                                         needed) -> None:
    with pytest.raises(ConfigError, match=needed):
        make_app("notify", **{**PRODUCTION, **change})


def test_the_dev_outbox_page_does_not_exist_in_production(make_app) -> None:
    app = make_app("notify", **PRODUCTION)
    client = app.test_client()
    signed_in(client, app)
    assert client.get("/outbox").status_code == 404


@pytest.mark.postgres
def test_two_workers_share_the_early_receipts_out(pg_url, make_app) -> None:
    """Scaled out, two notify workers look at the waiting receipts at once: the second
    skips the rows the first holds instead of waiting to delete them a second time."""
    import threading

    from services.notify.ops.receipts import apply_early_receipts

    app = make_app("notify", database_url=pg_url)
    rt = app.extensions["clinic"]
    stray = {"type": "receipt", "provider_id": "not-yet", "status": "delivered"}
    assert post_as_gateway(app.test_client(), stray).json["result"] == "unknown message"
    second: list[tuple[int, int]] = []
    with rt.db.transaction() as first:
        assert apply_early_receipts(first, rt.now()) == (0, 0)  # holds the row: kept, waits
        other = threading.Thread(target=lambda: second.append(_apply_alone(rt)), daemon=True)
        other.start()
        other.join(timeout=5)
        assert second == [(0, 0)], "the second worker went past the held row"
    with rt.db.reading() as session:
        assert len(session.scalars(select(EarlyReceipt)).all()) == 1


def _apply_alone(rt) -> tuple[int, int]:
    from services.notify.ops.receipts import apply_early_receipts

    with rt.db.transaction() as session:
        return apply_early_receipts(session, rt.now())
