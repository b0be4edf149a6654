"""``/api/v1/do-not-call``: phones never to be called; consultants add, admins remove."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.idempotency import DOC
from services.common.logging import mask_phone
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, reading, work

from ..models import DoNotCall
from ..ops.do_not_call import add, remove
from ..reads.do_not_call import entries
from .common import once, phone_of

blp = Blueprint("do_not_call", __name__, url_prefix=f"{API_PREFIX}/do-not-call",
                description="The do-not-call list: final for a phone across every task.")


class EntryIn(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=3, max=40))
    reason = fields.String(load_default="", validate=validate.Length(max=400))


class RemovalIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=400),
                           metadata={"description": "e.g. the patient asked to be called"})


class EntryOut(Schema):
    id = fields.Integer(required=True)
    phone = fields.String(required=True, metadata={"description": "masked"})
    active = fields.Boolean(required=True)
    reason = fields.String()
    added_by = fields.String()
    added_at = fields.DateTime()
    removed_by = fields.String(allow_none=True)
    removed_at = fields.DateTime(allow_none=True)
    removal_reason = fields.String(allow_none=True)


def entry_view(row: DoNotCall) -> dict[str, Any]:
    return {"id": row.id, "phone": mask_phone(row.phone), "active": row.active,
            "reason": row.reason, "added_by": row.added_by, "added_at": row.added_at,
            "removed_by": row.removed_by, "removed_at": row.removed_at,
            "removal_reason": row.removal_reason}


OUT = EntryOut()


@blp.route("")
class Entries(MethodView):
    @roles_required("consultant", "admin")
    @blp.response(200, EntryOut(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The list, newest first, phones masked."""
        with reading() as w:
            return [entry_view(row) for row in entries(w.session)]

    @roles_required("consultant", "admin")
    @blp.arguments(EntryIn)
    @blp.response(201, EntryOut)
    @blp.doc(parameters=[DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Never call this phone again; its open tasks close."""

        def act(w: Work[Any]) -> Any:
            phone = phone_of(data["phone"])
            return OUT.dump(entry_view(add(w.session, w.desk, phone, data["reason"].strip())))

        return once("do-not-call", data, act)


@blp.route("/<int:entry_id>")
class Entry(MethodView):
    @roles_required("admin")
    @blp.arguments(RemovalIn)
    @blp.response(200, EntryOut)
    def delete(self, data: dict[str, Any], entry_id: int) -> dict[str, Any]:
        """The patient asked to be called again: remove the entry, with the reason."""
        with work() as w:
            return entry_view(remove(w.session, w.desk, entry_id, data["reason"]))
