"""``/api/v1/holds``: keeping a place for a few minutes while the patient confirms."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE
from services.common.web import API_PREFIX

from ..config import runtime
from ..models import Slot
from ..ops.booking import refuse_if_shut
from ..ops.holds import extend_hold, place_hold, release_hold
from ..reads.hospital import open_desk
from . import idempotency
from .errors import refusals

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
        rt = runtime()

        def work(session: Any) -> Any:
            desk = open_desk(session, rt.settings, current_principal().username, rt.now())
            hold = place_hold(session, desk, data["slot_id"])
            return HOLD.dump({"id": hold.id, "slot_id": hold.slot_id,
                              "expires_at": hold.expires_at,
                              "seconds": rt.settings.hold_seconds})

        def early(session: Any) -> None:  # a full slot refused from a read
            desk = open_desk(session, rt.settings, current_principal().username, rt.now())
            slot = session.get(Slot, data["slot_id"])
            if slot is not None:
                refuse_if_shut(session, desk, slot)

        return idempotency.once("holds", data, work, precheck=early)


@blp.route("/holds/<hold_id>")
class HoldResource(MethodView):
    @roles_required(*HOLDERS)
    @blp.response(204)
    def delete(self, hold_id: str) -> None:
        """Release your hold; the place is free again at once."""
        rt = runtime()
        with refusals(), rt.db.transaction() as session:
            desk = open_desk(session, rt.settings, current_principal().username, rt.now())
            release_hold(session, desk, hold_id)


@blp.route("/holds/<hold_id>/extend")
class HoldExtension(MethodView):
    @roles_required(*HOLDERS)
    @blp.response(200, HoldSchema)
    @blp.alt_response(409, description="The hold expired, or it cannot be kept longer "
                      "(``extend_limit``: three times its length in all, or the cut-off)")
    def post(self, hold_id: str) -> Any:
        """Keep your held place for another ``HOLD_SECONDS`` while the patient decides."""
        rt = runtime()
        with refusals(), rt.db.transaction() as session:
            desk = open_desk(session, rt.settings, current_principal().username, rt.now())
            hold = extend_hold(session, desk, hold_id)
            return {"id": hold.id, "slot_id": hold.slot_id, "expires_at": hold.expires_at,
                    "seconds": rt.settings.hold_seconds}
