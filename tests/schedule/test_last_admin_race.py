"""The last active administrator stays, under parallel requests too (SPEC §11, issue 28
item 6): two admins deactivating — or demoting — the last two at once had both succeed
on PostgreSQL. Real parallel HTTP requests, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest
import requests
from sqlalchemy import select

from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from services.schedule.models import StaffMember
from tests.schedule.serving import race, served
from tests.support.schedule import Admin

pytestmark = pytest.mark.slow

CHANGES = {"deactivate": {"active": False}, "demote": {"roles": ["manager"]}}
ROUNDS = 8


def active_admins(app) -> list[str]:
    with app.extensions["clinic"].db.reading() as session:
        return sorted(m.username for m in session.scalars(
            select(StaffMember).where(StaffMember.active.is_(True)))
            if "admin" in m.role_list)


@pytest.mark.parametrize(("first", "second"), [("deactivate", "deactivate"),
                                               ("deactivate", "demote"),
                                               ("demote", "demote")])
def test_of_two_parallel_changes_to_the_last_two_admins_exactly_one_succeeds(
        make_app, database_url, first: str, second: str) -> None:
    app = make_app("schedule", database_url=database_url)
    admin = Admin(app, {"Authorization": "Bearer " + issue_token(
        DEFAULT_JWT_SECRET, "operator", ["admin"], ttl_seconds=600)})
    with served(app) as base:
        for round_ in range(ROUNDS):
            pair = [f"a{round_}", f"b{round_}"]
            for username in pair:
                created = admin.post("/api/v1/staff", json={
                    "username": username, "roles": ["admin"], "password": "a-password"})
                assert created.status_code == 201, created.json
            # Only the pair are admins now: the earlier round's survivor steps down.
            for username in active_admins(app):
                if username not in pair:
                    assert admin.patch(f"/api/v1/staff/{username}",
                                       json={"roles": ["manager"]}).status_code == 200
            assert active_admins(app) == pair
            # Two admins at two desks, each changing one of the pair. (Were the pair to
            # act themselves, one could be refused only for having just been deactivated.)
            answers = race([partial(
                requests.patch, f"{base}/api/v1/staff/{target}", json=CHANGES[change],
                headers={"Authorization": "Bearer " + issue_token(
                    DEFAULT_JWT_SECRET, desk, ["admin"], ttl_seconds=600)}, timeout=60)
                for desk, target, change in (("desk-1", pair[1], first),
                                             ("desk-2", pair[0], second))])
            statuses = Counter(a.status_code for a in answers)
            assert statuses == {200: 1, 409: 1}, (round_, statuses,
                                                  [a.text for a in answers])
            assert [a.json()["code"] for a in answers if a.status_code == 409] == \
                ["last_admin"]
            assert len(active_admins(app)) == 1, "one active administrator remains"
    app.extensions["clinic"].db.dispose()
