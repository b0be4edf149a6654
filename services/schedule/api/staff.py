"""``/api/v1/staff``: staff accounts for admins — create, change roles, reset a password,
deactivate. Each of the last three ends the member's existing tokens everywhere."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.tokens import ROLES
from services.common.web import API_PREFIX, reading, work

from ..ops.staff import change_staff, create_staff
from ..reads.staff import StaffView, list_staff, staff_member

blp = Blueprint("staff", __name__, url_prefix=f"{API_PREFIX}/staff",
                description="Staff accounts (admins only).")

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]{2,60}$",
                           error="Letters, digits, . - and _ only (2 to 60).")
def roles_field(**kwargs: Any) -> fields.List[str]:
    return fields.List(fields.String(validate=validate.OneOf(ROLES)),
                       validate=validate.Length(min=1, max=len(ROLES)), **kwargs)


class StaffOut(Schema):
    username = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime()


class StaffIn(Schema):
    username = fields.String(required=True, validate=USERNAME)
    name = fields.String(load_default="", validate=validate.Length(max=120))
    roles = roles_field(required=True)
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=200))


class StaffChange(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    roles = roles_field()
    active = fields.Boolean(metadata={"description": "false deactivates the account"})


class PasswordIn(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=200))


@blp.route("")
class Staff(MethodView):
    @roles_required("admin")
    @blp.response(200, StaffOut(many=True))
    def get(self) -> list[StaffView]:
        """Every account, active first."""
        with reading() as w:
            return list_staff(w.session)

    @roles_required("admin")
    @blp.arguments(StaffIn)
    @blp.response(201, StaffOut)
    @blp.alt_response(409, description="The username is taken.")
    def post(self, data: dict[str, Any]) -> StaffView:
        """Create an account."""
        with work() as w:
            create_staff(w, data["username"], data["name"], data["roles"], data["password"])
            return staff_member(w.session, data["username"])


@blp.route("/<username>")
class StaffResource(MethodView):
    @roles_required("admin")
    @blp.arguments(StaffChange)
    @blp.response(200, StaffOut)
    @blp.alt_response(409, description="``last_admin``: no active administrator would be left")
    def patch(self, changes: dict[str, Any], username: str) -> StaffView:
        """Change the name, the roles or whether the account is active; new roles and
        deactivation end the member's existing tokens."""
        with work() as w:
            change_staff(w, username, **changes)
            return staff_member(w.session, username)


@blp.route("/<username>/password")
class StaffPassword(MethodView):
    @roles_required("admin")
    @blp.arguments(PasswordIn)
    @blp.response(204)
    def post(self, data: dict[str, Any], username: str) -> None:
        """Set a new password; the member's existing tokens stop working."""
        with work() as w:
            change_staff(w, username, password=data["password"])
