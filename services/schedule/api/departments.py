"""``/api/v1/departments``: the hospital's departments."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.tokens import STAFF_ROLES
from services.common.web import API_PREFIX, reading, work

from ..ops.directory import create_department, update_department
from ..reads.directory import DepartmentView, department, list_departments

blp = Blueprint("departments", __name__, url_prefix=f"{API_PREFIX}/departments",
                description="Departments: a name, a unique code and where they are.")


class DepartmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, - and _ only (1 to 40)."))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    active = fields.Boolean(dump_only=True)


class DepartmentChange(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    location = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean(metadata={"description": "false deactivates the department"})


class DepartmentQuery(Schema):
    active = fields.Boolean(metadata={"description": "Only active (true) or inactive (false)."})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Part of the name or code."})


@blp.route("")
class Departments(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.arguments(DepartmentQuery, location="query")
    @blp.response(200, DepartmentSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[DepartmentView]:
        """List departments, by code."""
        with reading() as w:
            return list_departments(w.session, **query)

    @roles_required("admin")
    @blp.arguments(DepartmentSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(409, description="The code is already used.")
    def post(self, data: dict[str, Any]) -> DepartmentView:
        """Create a department."""
        with work() as w:
            return department(w.session, create_department(w, **data))


@blp.route("/<int:department_id>")
class DepartmentResource(MethodView):
    @roles_required(*STAFF_ROLES)
    @blp.response(200, DepartmentSchema)
    def get(self, department_id: int) -> DepartmentView:
        """One department."""
        with reading() as w:
            return department(w.session, department_id)

    @roles_required("admin")
    @blp.arguments(DepartmentChange)
    @blp.response(200, DepartmentSchema)
    def patch(self, changes: dict[str, Any], department_id: int) -> DepartmentView:
        """Change a department's name or location, or deactivate it (``active: false``)."""
        with work() as w:
            update_department(w, department_id, **changes)
            return department(w.session, department_id)
