"""Issue 30's "done when": ``make run`` with ``SMS_PROVIDER=aliyun`` (or ``tencent``) and a
fake vendor endpoint, end to end.

The clinic runs as ``make run`` runs it (``clinic-run``: four services, four workers);
notify reaches the fake vendor through the vendor's own SDK (the fake checks its
signature). A consultant books through booking's API; the confirmation reaches the fake
as the registered template's code and variables from ``TEMPLATE_DIR`` (a hospital's own
codes, not the shipped placeholders); the fake pushes its receipt to notify's callback
address, and notify's message log says ``delivered``. One SMS reaches the phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ONE_WEB_PROCESS
from tests.e2e.test_make_run import assert_stopped_cleanly, book_a_demo_place, wait_for
from tests.support.fake_aliyun import FakeAliyun
from tests.support.fake_console import hospital_template_dir, registered
from tests.support.fake_tencent import FakeTencent
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

SECRET = "e2e-callback-secret-Zq8Lw3Nf5Kd2"  # SMS_CALLBACK_SECRET, 128+ bits
PHONE = "13800138000"  # book_a_demo_place's patient


@dataclass
class Vendor:
    """One fake vendor, seen the same way whichever it is."""

    name: str
    fake: Any

    def taken(self) -> list[Any]:
        with self.fake.lock:
            return list(self.fake.taken if self.name == "aliyun" else self.fake.sends)

    @staticmethod
    def code(sent: Any) -> str:
        return sent.template_code if hasattr(sent, "template_code") else sent.template

    def values(self, sent: Any, variables: tuple[str, ...]) -> dict[str, str]:
        """The variables as the vendor got them: Alibaba Cloud's by name, Tencent's by
        position in the registered text."""
        if self.name == "aliyun":
            assert list(sent.params) == list(variables), "TemplateParam names the text's"
            return dict(sent.params)
        assert len(sent.params) == len(variables), "TemplateParamSet in the text's order"
        return dict(zip(variables, sent.params, strict=True))

    @staticmethod
    def provider_id(sent: Any) -> str:
        return sent.biz_id if hasattr(sent, "biz_id") else sent.serial

    def push_receipt(self, notify_url: str, sent: Any) -> requests.Response:
        base = f"{notify_url}/api/v1/sms/{self.name}/{SECRET}"
        if self.name == "aliyun":
            return self.fake.push(f"{base}/report", self.fake.report(sent))
        return self.fake.push_status(
            lambda url, body: requests.post(url, json=body, timeout=10), f"{base}/status", sent)


def sms_log(clinic, token: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{clinic.urls['notify']}/api/v1/messages?channel=sms",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("vendor_name", ["aliyun", "tencent"])
def test_a_booking_reaches_the_vendor_as_a_template_and_its_receipt_marks_it_delivered(
        start_clinic, tmp_path: Path, vendor_name: str) -> None:
    ports = {name: free_port() for name in ("schedule", "booking", "notify", "followup")}
    template_dir = hospital_template_dir(
        tmp_path / "templates", link_address=f"http://127.0.0.1:{ports['booking']}/p/")
    fake = (FakeAliyun(template_dir=template_dir) if vendor_name == "aliyun"
            else FakeTencent(template_dir=template_dir))
    vendor = Vendor(vendor_name, fake)
    with fake:
        env = {name.upper(): str(value) for name, value in fake.settings().items() if value}
        assert env["TEMPLATE_DIR"] == template_dir
        clinic = start_clinic(ports, **env, SMS_CALLBACK_SECRET=SECRET,
                              **ONE_WEB_PROCESS)
        clinic.wait_ready()
        consultant = {"Authorization": f"Bearer {clinic.token('consultant')}"}
        code = book_a_demo_place(clinic, consultant)

        assert wait_for(lambda: len(vendor.taken()) >= 1, timeout=60), clinic.log()[-3000:]
        [sent] = vendor.taken()
        by_code = {t.codes[vendor_name]: t for t in registered(template_dir).templates.values()}
        template = by_code[vendor.code(sent)]
        assert template.kind == "confirmation", "the hospital's confirmation template"
        assert vendor.code(sent) not in {t.codes[vendor_name] for t in
                                         registered().templates.values()}, \
            "TEMPLATE_DIR's code, not the shipped placeholder"
        values = vendor.values(sent, template.variables)
        assert values["code"] == code and values["name"] == "测试患者"

        admin = clinic.token()

        def confirmation() -> dict[str, Any] | None:
            found = [m for m in sms_log(clinic, admin)
                     if m["template"] == "confirmation" and code in m["body"]]
            return found[0] if found else None

        assert wait_for(lambda: (confirmation() or {}).get("status") == "sent", timeout=30)
        message = confirmation()
        assert message is not None
        assert (message["provider"], message["provider_id"]) == (
            vendor_name, vendor.provider_id(sent))
        assert message["body"].startswith("【仁和医院】"), "the log shows what the phone shows"
        assert len(values["token"]) >= 8, "the patient link, after the registered address"

        answer = vendor.push_receipt(clinic.urls["notify"], sent)
        assert answer.status_code == 200, answer.text
        assert wait_for(lambda: (confirmation() or {}).get("status") == "delivered",
                        timeout=30), confirmation()
        assert len(vendor.taken()) == 1, "one SMS reached the phone"
        assert_stopped_cleanly(clinic)
        assert PHONE not in clinic.log() and PHONE[-8:] not in clinic.log(), \
            "no log line names the patient's phone"
