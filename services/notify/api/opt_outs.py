"""``/api/v1/opt-outs``: patients who said no, and their opting in again."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.web import API_PREFIX, reading, work

from ..ops.suppressions import opt_in_again, opt_out
from ..reads.messages import opt_out_view, opt_outs

blp = Blueprint("opt_outs", __name__, url_prefix=API_PREFIX,
                description="The opt-out (suppression) list.")


class OptOutIn(Schema):
    channel = fields.String(load_default="sms", validate=validate.OneOf(["sms", "email"]))
    recipient = fields.String(required=True, validate=validate.Length(min=3, max=254),
                              metadata={"description": "phone number or email address"})
    note = fields.String(load_default="", validate=validate.Length(max=400))


class OptOutSchema(Schema):
    id = fields.Integer(required=True)
    channel = fields.String(required=True)
    recipient = fields.String(required=True, metadata={"description": "masked"})
    source = fields.String()
    note = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


@blp.route("/opt-outs")
class OptOuts(MethodView):
    @roles_required("admin")
    @blp.response(200, OptOutSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Everyone who asked not to be written to."""
        with reading() as look:
            return opt_outs(look.session)

    @roles_required("admin", "consultant", "frontdesk")
    @blp.arguments(OptOutIn)
    @blp.response(201, OptOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Stop all further messages to this phone or address on this channel."""
        with work() as w:
            return opt_out_view(opt_out(w, data["channel"], data["recipient"], data["note"]))


@blp.route("/opt-outs/<int:opt_out_id>")
class OptOutResource(MethodView):
    @roles_required("admin")
    @blp.response(204)
    def delete(self, opt_out_id: int) -> None:
        """The patient opted in again: messages may go to them from now on."""
        with work() as w:
            opt_in_again(w, opt_out_id)
