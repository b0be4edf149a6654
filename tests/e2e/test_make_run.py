"""``make run`` brings up four web processes and four workers that work together: the
demo's booking path and a hospital system's FHIR round trip (``fhir_round_trip.py``), on
the embedded default and on PostgreSQL and RabbitMQ."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from services.booking.models import Hospital as BookingHospital
from services.booking.models import Slot as BookingSlot
from services.common.db import Database
from services.followup.models import Hospital as FollowupHospital
from services.notify.models import DevOutboxItem
from services.notify.models import Hospital as NotifyHospital
from services.schedule.models import Slot as ScheduleSlot
from tests.support.bus import wait_until

pytestmark = pytest.mark.slow

FACTS = {"name": "瑞金医院", "address": "上海市瑞金二路 197 号", "directions": "陕西南路站",
         "phone": "021-6437 0045", "time_zone": "Asia/Shanghai", "language": "zh-CN"}


def hospital_name(database_url: str, model) -> str | None:
    db = Database(database_url)
    try:
        with db.reading() as session:
            row = session.get(model, 1)
            return row.name if row else None
    finally:
        db.dispose()


def wait_for(check, timeout: float = 30) -> bool:
    return wait_until(check, timeout, interval=0.2)


def count_rows(database_url: str, model, **where) -> int:
    db = Database(database_url)
    try:
        with db.reading() as session:
            query = select(func.count()).select_from(model).filter_by(**where)
            return session.scalar(query) or 0
    finally:
        db.dispose()


def exercise(clinic, schedule_db: str, booking_db: str, notify_db: str,
             followup_db: str) -> None:
    clinic.wait_ready()
    token = clinic.token()
    headers = {"Authorization": f"Bearer {token}"}
    # the demo hospital loaded on first start has already reached booking and notify
    assert wait_for(lambda: hospital_name(booking_db, BookingHospital) == "仁和医院")
    published = count_rows(schedule_db, ScheduleSlot, status="active")
    assert published > 100, "two weeks of demo slots"
    assert wait_for(lambda: count_rows(booking_db, BookingSlot, status="active") == published)
    response = requests.put(f"{clinic.urls['schedule']}/api/v1/hospital", json=FACTS,
                            headers=headers, timeout=10)
    assert response.status_code == 200
    assert wait_for(lambda: hospital_name(booking_db, BookingHospital) == FACTS["name"])
    assert wait_for(lambda: hospital_name(notify_db, NotifyHospital) == FACTS["name"])
    assert wait_for(lambda: hospital_name(followup_db, FollowupHospital) == FACTS["name"])
    for name, url in clinic.urls.items():
        assert requests.get(f"{url}/api/v1/openapi.json", timeout=10).status_code == 200, name
    consultant = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    denied = requests.put(f"{clinic.urls['schedule']}/api/v1/hospital", json=FACTS,
                          headers=consultant, timeout=10)
    assert denied.status_code == 403
    code = book_a_demo_place(clinic, consultant)
    assert wait_for(lambda: confirmation_in_outbox(notify_db, code)), "the patient got an SMS"


def confirmation_in_outbox(notify_db: str, code: str) -> bool:
    db = Database(notify_db)
    try:
        with db.reading() as session:
            bodies = session.scalars(select(DevOutboxItem.body)
                                     .where(DevOutboxItem.channel == "sms")).all()
    finally:
        db.dispose()
    return sum(code in body for body in bodies) == 1


def book_a_demo_place(clinic, consultant: dict[str, str]) -> str:
    """A consultant holds and books a demo slot; the front desk sees it on the roster."""
    booking = clinic.urls["booking"]
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()

    def bookable() -> dict[str, Any] | None:
        """A free place, once booking has the demo's published slots (they come over the
        bus after the services answer /readyz)."""
        found = requests.get(f"{booking}/api/v1/availability?date={tomorrow}&days=7"
                             "&department_id=3", headers=consultant, timeout=10).json()
        return next((s for e in found["experts"] for s in e["slots"]
                     if s["bookable"] and s["remaining"]), None)

    assert wait_for(lambda: bookable() is not None), "the demo's slots reached booking"
    slot = bookable()
    assert slot is not None
    hold = requests.post(f"{booking}/api/v1/holds", json={"slot_id": slot["slot_id"]},
                         headers=consultant, timeout=10).json()
    booked = requests.post(f"{booking}/api/v1/appointments", headers=consultant, timeout=10,
                           json={"hold_id": hold["id"], "channel": "wechat",
                                 "patient": {"name": "测试患者", "phone": "13800138000",
                                             "sms_consent": True}})
    assert booked.status_code == 201, booked.text
    frontdesk = {"Authorization": f"Bearer {clinic.token('frontdesk')}"}
    roster = requests.get(f"{booking}/api/v1/roster?date={slot['date']}", headers=frontdesk,
                          timeout=10).json()
    codes = [a["code"] for e in roster["experts"] for s in e["sessions"]
             for a in s["appointments"]]
    assert booked.json()["code"] in codes
    return booked.json()["code"]


def assert_stopped_cleanly(clinic) -> None:
    assert clinic.stop() in (0, 130), clinic.log()[-3000:]  # 130: stopped by Ctrl-C
    assert clinic.left_behind() == [], "every process of make run ended with it"
    assert "| killed" not in clinic.log(), "each stopped on its own, none had to be killed"
    assert "clinic is running" in clinic.log()
    assert "Traceback" not in clinic.log()


def test_make_run_on_the_embedded_default(start_clinic) -> None:
    from tests.e2e.fhir_round_trip import round_trip  # it imports this module's helpers

    clinic = start_clinic()
    databases = [f"sqlite:///{clinic.var_dir}/{name}.db"
                 for name in ("schedule", "booking", "notify", "followup")]
    exercise(clinic, *databases)
    round_trip(clinic, databases[1], databases[2])
    # Each web process counts in prometheus-client's multi-process files, which it chooses
    # on first import: not before gunicorn's settings have named the folder, though the
    # processes are forked from a server that has imported the libraries (supervisor.py).
    for name in clinic.urls:
        assert list((clinic.var_dir / "metrics" / name).glob("counter_*.db")), name
    assert_stopped_cleanly(clinic)


@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_the_same_processes_on_postgresql_and_rabbitmq(start_clinic, amqp_url,
                                                       postgres_available) -> None:
    from tests.e2e.fhir_round_trip import round_trip
    from tests.support import servers

    with servers.pg_database() as schedule_db, servers.pg_database() as booking_db, \
            servers.pg_database() as notify_db, servers.pg_database() as followup_db:
        clinic = start_clinic(SCHEDULE_DATABASE_URL=schedule_db, BOOKING_DATABASE_URL=booking_db,
                              NOTIFY_DATABASE_URL=notify_db, FOLLOWUP_DATABASE_URL=followup_db,
                              BROKER_URL=amqp_url)
        exercise(clinic, schedule_db, booking_db, notify_db, followup_db)
        round_trip(clinic, booking_db, notify_db)
        assert_stopped_cleanly(clinic)


def test_a_crashed_worker_is_restarted_and_says_so(start_clinic) -> None:
    """One process dying used to stop all six; now it is started again and the clinic
    carries on: a booking made after the crash still reaches the patient."""
    import os
    import re
    import signal

    clinic = start_clinic()
    clinic.wait_ready()
    pid = int(re.search(r"started booking-worker \(pid (\d+)\)", clinic.log()).group(1))
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: "restarted booking-worker" in clinic.log(), timeout=30)
    assert "booking-worker exited with code -9; restarting it in 1 s" in clinic.log()
    published = count_rows(f"sqlite:///{clinic.var_dir}/schedule.db", ScheduleSlot)
    assert wait_for(lambda: count_rows(f"sqlite:///{clinic.var_dir}/booking.db", BookingSlot)
                    == published), "the restarted worker took schedule's events"
    consultant = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    code = book_a_demo_place(clinic, consultant)
    notify_db = f"sqlite:///{clinic.var_dir}/notify.db"
    assert wait_for(lambda: confirmation_in_outbox(notify_db, code)), "relayed after the crash"
    assert clinic.process.poll() is None, "the clinic kept running"
    assert_stopped_cleanly(clinic)
