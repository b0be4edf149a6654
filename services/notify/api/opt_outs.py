"""``/api/v1/opt-outs``: patients who said no, and their opting in again."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.web import API_PREFIX, not_found, unprocessable

from ..config import runtime
from ..domain.recipients import InvalidRecipient, normalise_recipient
from ..ops.suppressions import opt_in_again, suppress
from ..reads.messages import get_opt_out, opt_out_view, opt_outs

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
        with runtime().db.reading() as session:
            return opt_outs(session)

    @roles_required("admin", "consultant", "frontdesk")
    @blp.arguments(OptOutIn)
    @blp.response(201, OptOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Stop all further messages to this phone or address on this channel."""
        rt = runtime()
        try:
            recipient = normalise_recipient(data["channel"], data["recipient"],
                                            rt.settings.phone_region)
        except InvalidRecipient as exc:
            unprocessable("recipient", str(exc))
        with rt.db.transaction() as session:
            return opt_out_view(suppress(session, data["channel"], recipient, "api", rt.now(),
                                         data["note"]))


@blp.route("/opt-outs/<int:opt_out_id>")
class OptOutResource(MethodView):
    @roles_required("admin")
    @blp.response(204)
    def delete(self, opt_out_id: int) -> None:
        """The patient opted in again: messages may go to them from now on."""
        rt = runtime()
        with rt.db.transaction() as session:
            opt_in_again(session, get_opt_out(session, opt_out_id) or not_found("opt-out"),
                         rt.now())
