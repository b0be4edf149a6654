"""One booking's trace across the clinic's processes (SPEC §14), as ``make run`` runs them.

The clinic exports its spans over OTLP/HTTP to a fake collector. A consultant's booking
request carries a W3C ``traceparent``; the spans of booking's web process (the request,
the outbox row), booking's worker (the relay's publish), notify's and followup's workers
(the consumers), and notify's sender and its provider call all come back with that one
trace id, each a child of the one before it.
"""

from __future__ import annotations

import secrets

import pytest
import requests

from tests.e2e.conftest import ONE_WEB_PROCESS
from tests.e2e.test_followup_desk import Desk, a_slot
from tests.e2e.test_make_run import wait_for
from tests.support.otlp import FakeCollector

pytestmark = pytest.mark.slow

BOOKED = "booking.appointment.booked"


def test_one_booking_is_one_trace_from_the_request_to_the_sms_provider(start_clinic) -> None:
    follow_one_booking(start_clinic)


@pytest.mark.rabbitmq
def test_the_trace_crosses_rabbitmq_in_the_amqp_headers(start_clinic, amqp_url) -> None:
    follow_one_booking(start_clinic, BROKER_URL=amqp_url)


def follow_one_booking(start_clinic, **env: str) -> None:
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    with FakeCollector() as collector:
        clinic = start_clinic(OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
                              OTEL_BSP_SCHEDULE_DELAY="200", LOG_FORMAT="json", **env,
                              **ONE_WEB_PROCESS)
        clinic.wait_ready()
        li = Desk(clinic, "consultant")
        assert wait_for(lambda: _has_slot(li)), "the demo's slots reached booking"
        booked = requests.post(f"{clinic.urls['booking']}/api/v1/appointments", json={
            "slot_id": a_slot(li, 3)["slot_id"], "channel": "wechat",
            "patient": {"name": "测试患者", "phone": "13800138000", "sms_consent": True}},
            headers={**li.headers, "traceparent": f"00-{trace_id}-{caller}-01"}, timeout=10)
        assert booked.status_code == 201, booked.text
        expected = [("clinic-booking", "POST /api/v1/appointments"),
                    ("clinic-booking", f"outbox {BOOKED}"),
                    ("clinic-booking", f"publish {BOOKED}"),
                    ("clinic-notify", f"consume {BOOKED}"),
                    ("clinic-notify", "send sms confirmation"),
                    ("clinic-notify", "provider outbox-sms send")]

        def arrived() -> bool:
            seen = {(s.service, s.name) for s in collector.of_trace(trace_id)}
            return set(expected) <= seen

        assert wait_for(arrived, timeout=30), collector.of_trace(trace_id)
        assert wait_for(lambda: ("clinic-followup", f"consume {BOOKED}") in
                        {(s.service, s.name) for s in collector.of_trace(trace_id)})
        clinic.stop()
    spans = collector.of_trace(trace_id)
    chain = [next(s for s in spans if (s.service, s.name) == step) for step in expected]
    assert chain[0].parent_id == caller, "the request continued the caller's trace"
    assert [s.parent_id for s in chain[1:]] == [s.span_id for s in chain[:-1]], \
        "each step is a child of the one before"
    published = collector.named(f"publish {BOOKED}")
    assert {s.trace_id for s in published} >= {trace_id}
    # JSON log lines of this run: the request and the outbox are not logged; any line
    # written inside a span carries its ids (tests/common/test_tracing.py checks the format).
    assert "Traceback" not in clinic.log()


def _has_slot(desk: Desk) -> bool:
    try:
        a_slot(desk, 3)
    except StopIteration:
        return False
    return True
