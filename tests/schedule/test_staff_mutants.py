"""Staff accounts' rules as plain Python, at their edges.

Written for the mutants `make mutate` found surviving (docs/mutation.md) in ``staff.py`` and
``passwords.py``: the API refuses an unknown role before the domain sees it, so only these
tests reach the domain's own refusal.
"""

from __future__ import annotations

import pytest

from services.common.refusals import Invalid
from services.schedule.domain.passwords import hash_password
from services.schedule.domain.staff import clean_roles


@pytest.mark.parametrize("roles", [(), ("nurse",), ("admin", "nurse")])
def test_no_role_or_an_unknown_one_is_refused_on_the_roles_naming_them(roles) -> None:
    with pytest.raises(Invalid) as refused:
        clean_roles(roles)
    assert refused.value.field == "roles"
    assert "admin, consultant, frontdesk, manager, integration" in refused.value.message


def test_roles_are_stored_sorted_once_each() -> None:
    assert clean_roles(["manager", "admin", "manager"]) == "admin,manager"


def test_a_short_password_is_refused_on_its_field_saying_how_long() -> None:
    with pytest.raises(Invalid) as refused:
        hash_password("short", 8, 1024)
    assert refused.value.field == "password"
    assert "at least 8 characters" in refused.value.message
