"""``POST /api/v1/auth/token``: a staff member's name and password for a signed token;
``POST /api/v1/auth/logout``: that token ends, on every service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.tokens import ROLES, issue_token
from services.common.web import API_PREFIX, abort, work

from ..config import runtime
from ..ops.sign_in import sign_in
from ..ops.sign_out import sign_out

blp = Blueprint("auth", __name__, url_prefix=f"{API_PREFIX}/auth",
                description="Sign in: exchange a staff member's name and password for a token.")


class Credentials(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


@blp.route("/token")
class Token(MethodView):
    @blp.doc(security=[])
    @blp.arguments(Credentials)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong name or password.")
    @blp.alt_response(429, description="Too many failures for this account (or, far more, "
                      "from this address): wait ``Retry-After`` seconds; even the right "
                      "password is refused until then.")
    def post(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Sign in and get a bearer token for every service."""
        rt = runtime()
        member = sign_in(rt, credentials["username"], credentials["password"],
                         request.remote_addr)
        if member is None:
            abort(401, message="Wrong name or password.")
        ttl = rt.settings.jwt_ttl_seconds
        token = issue_token(rt.settings.jwt_secret, member.username, member.roles,
                            ttl_seconds=ttl, name=member.name, version=member.token_version)
        return {
            "token": token, "token_type": "Bearer",
            "expires_at": rt.now() + timedelta(seconds=ttl),
            "username": member.username, "name": member.name, "roles": member.roles,
        }


@blp.route("/logout")
class Logout(MethodView):
    @roles_required(*ROLES)
    @blp.response(204)
    def post(self) -> None:
        """Sign out: the token this request carries stops working on every service (here
        at once, elsewhere once they hear of it); the member's other tokens stand."""
        with work() as w:
            sign_out(w, current_principal())
