"""``/api/v1/waitlist``: patients waiting for a place with one expert on one day (候补)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.fields import ID_RANGE, Day
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, reading, work

from ..config import runtime
from ..domain.patients import clean_patient
from ..domain.statuses import NOT_CHOSEN, Channel
from ..ops import waitlist
from ..reads.waitlist import entries, entry_view
from . import idempotency
from .schemas import PatientIn

blp = Blueprint("waitlist", __name__, url_prefix=f"{API_PREFIX}/waitlist",
                description="The waitlist: when a place frees on a full expert-day, the first "
                            "waiting patient is booked at once.")

DESKS = ("consultant", "frontdesk")


class WaitIn(Schema):
    expert_id = fields.Integer(required=True, validate=ID_RANGE)
    date = Day(required=True)
    patient = fields.Nested(PatientIn, required=True)
    channel = fields.String(required=True, validate=validate.OneOf(
        [c.value for c in Channel if c not in NOT_CHOSEN]))
    complaint = fields.String(load_default="", validate=validate.Length(max=2000))
    override_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=400))


class WaitingPatient(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "masked"})


class WaitOut(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(allow_none=True, metadata={
        "description": "1 is booked next; null once the entry no longer waits"})
    status = fields.String(required=True, metadata={
        "description": "waiting, booked, cancelled, expired (the day closed) or ended"})
    expert_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    patient = fields.Nested(WaitingPatient, required=True)
    channel = fields.String()
    added_by = fields.String()
    created_at = fields.DateTime()
    appointment_id = fields.Integer(allow_none=True)
    appointment_code = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class WaitQuery(Schema):
    expert_id = fields.Integer(required=True, validate=ID_RANGE)
    date = Day(required=True)


OUT = WaitOut()


@blp.route("")
class Waitlist(MethodView):
    @roles_required(*DESKS)
    @blp.arguments(WaitIn)
    @blp.response(201, WaitOut)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Put a patient on a full expert-day's list; 409 ``has_room`` while places are
        free (book one), ``closed`` after the day's cut-off, ``already_waiting``."""
        def join(w: Work[Any]) -> Any:
            entry = waitlist.join(w.session, w.desk, waitlist.WaitRequest(
                expert_id=data["expert_id"], day=data["date"],
                patient=clean_patient(data["patient"], runtime().settings.phone_region),
                channel=data["channel"], complaint=data["complaint"],
                override_reason=data["override_reason"]))
            return OUT.dump(entry_view(w.session, entry))

        return idempotency.once("waitlist", data, join)

    @roles_required(*DESKS)
    @blp.arguments(WaitQuery, location="query")
    @blp.response(200, WaitOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The expert-day's list in order: those waiting first, then those it ended for."""
        with reading() as w:
            return entries(w.session, query["expert_id"], query["date"])


@blp.route("/<int:entry_id>")
class WaitEntry(MethodView):
    @roles_required(*DESKS)
    @blp.response(200, WaitOut)
    def delete(self, entry_id: int) -> dict[str, Any]:
        """Take the patient off the list."""
        with work() as w:
            return entry_view(w.session, waitlist.leave(w.session, w.desk, entry_id))
