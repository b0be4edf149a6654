"""``/api/v1/holds``: keeping a place for a few minutes while the patient confirms."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.auth import roles_required
from services.common.fields import ID_RANGE
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, work

from ..config import runtime
from ..ops.booking import refuse_if_shut
from ..ops.holds import extend_hold, place_hold, release_hold
from ..reads.availability import slot_named
from . import idempotency

blp = Blueprint("holds", __name__, url_prefix=API_PREFIX,
                description="Holds: one place kept for a consultant while the patient confirms.")

HOLDERS = ("consultant", "frontdesk")


class HoldIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)


class HoldSchema(Schema):
    id = fields.String(required=True)
    slot_id = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)
    seconds = fields.Integer(required=True, metadata={"description": "How long it lasts"})


HOLD = HoldSchema()


@blp.route("/holds")
class Holds(MethodView):
    @roles_required(*HOLDERS)
    @blp.arguments(HoldIn)
    @blp.response(201, HoldSchema)
    @blp.alt_response(409, description="The slot is full or not open for booking, or you "
                      "hold as many places as you may")
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Keep one place while the patient confirms (default 300 seconds); a retry with
        the same Idempotency-Key is the same hold."""
        def hold(w: Work[Any]) -> Any:
            held = place_hold(w.session, w.desk, data["slot_id"])
            return HOLD.dump({"id": held.id, "slot_id": held.slot_id,
                              "expires_at": held.expires_at,
                              "seconds": runtime().settings.hold_seconds})

        def early(w: Work[Any]) -> None:  # a full slot refused from a read
            slot = slot_named(w.session, data["slot_id"])
            if slot is not None:
                refuse_if_shut(w.session, w.desk, slot)

        return idempotency.once("holds", data, hold, precheck=early)


@blp.route("/holds/<hold_id>")
class HoldResource(MethodView):
    @roles_required(*HOLDERS)
    @blp.response(204)
    def delete(self, hold_id: str) -> None:
        """Release your hold; the place is free again at once."""
        with work() as w:
            release_hold(w.session, w.desk, hold_id)


@blp.route("/holds/<hold_id>/extend")
class HoldExtension(MethodView):
    @roles_required(*HOLDERS)
    @blp.response(200, HoldSchema)
    @blp.alt_response(409, description="The hold expired, or it cannot be kept longer "
                      "(``extend_limit``: three times its length in all, or the cut-off)")
    def post(self, hold_id: str) -> Any:
        """Keep your held place for another ``HOLD_SECONDS`` while the patient decides."""
        with work() as w:
            hold = extend_hold(w.session, w.desk, hold_id)
            return {"id": hold.id, "slot_id": hold.slot_id, "expires_at": hold.expires_at,
                    "seconds": runtime().settings.hold_seconds}
