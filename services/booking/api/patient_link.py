"""``/api/v1/patient-link/{token}``: the appointment a patient's link names, and what the
patient may do with it — cancel, or move to one of the places offered. The token is
the only credential; the pages at ``/p/{token}`` (``patient_pages``) use the same
functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.fields import ID_RANGE
from services.common.unit_of_work import Work, reading
from services.common.web import API_PREFIX

from ..config import runtime
from ..domain.facts import AppointmentFacts
from ..domain.patient_link import InvalidLink, link_scope
from ..domain.rules import NotFound
from ..domain.statuses import CancelReason
from ..ops.changes import cancel, move_for_patient
from ..reads.appointments import load_facts
from ..reads.links import appointment_of
from ..reads.patient_link import offered_places, patient_view, refuse_too_soon
from . import idempotency

blp = Blueprint("patient_link", __name__, url_prefix=f"{API_PREFIX}/patient-link",
                description="What a patient's link shows and allows.")

PATIENT = "patient"
#: The note a cancellation through the link is stored with; pages show it in their own
#: language (``ui_text.STORED_NOTES``).
CANCELLED_BY_LINK = "cancelled through the patient link"


class OfferedPlace(Schema):
    slot_id = fields.Integer(required=True)
    expert = fields.String(required=True)
    start = fields.DateTime(required=True)
    remaining = fields.Integer()


class PatientView(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True)
    queue_number = fields.Integer(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    patient_name = fields.String(metadata={"description": "masked: 张*"})
    language = fields.String(metadata={"description": "the patient's: the hospital's for "
                                       "a phone of its country, else en"})
    expert = fields.String()
    expert_title = fields.String()
    department = fields.String()
    location = fields.String()
    hospital = fields.Dict()
    cancelled_by_hospital = fields.Boolean(metadata={"description": "停诊"})
    cancel_reason = fields.String(allow_none=True)
    cancel_note = fields.String(allow_none=True)
    can_cancel = fields.Boolean(required=True)
    today = fields.Date(metadata={"description": "the hospital's date now (for 今天/明天)"})
    cancel_until = fields.DateTime(required=True)
    alternatives = fields.List(fields.Nested(OfferedPlace), metadata={
        "description": "places the patient may move to (POST …/reschedule): only places "
                       "starting after the patient's cancel cut-off from now, so the moved "
                       "visit can still be cancelled online"})


class MoveIn(Schema):
    slot_id = fields.Integer(required=True, validate=ID_RANGE)


PATIENT_VIEW = PatientView()


def facts_of(w: Work[Any], token: str) -> AppointmentFacts:
    """The appointment the link names; :class:`InvalidLink` for anything else."""
    try:
        return load_facts(w.session, w.desk, appointment_of(w.session, w.desk, token))
    except NotFound as exc:
        raise InvalidLink() from exc


def show(token: str) -> dict[str, Any]:
    rt = runtime()
    with reading(rt, PATIENT) as w:
        return patient_view(w.session, w.desk, facts_of(w, token), rt.settings.phone_region)


def view_of(w: Work[Any], token: str) -> dict[str, Any]:
    return PATIENT_VIEW.dump(patient_view(w.session, w.desk, facts_of(w, token),
                                          runtime().settings.phone_region))


def cancel_by_patient(w: Work[Any], token: str) -> dict[str, Any]:
    facts = facts_of(w, token)
    cancel(w.session, w.desk, facts.id, CancelReason.PATIENT, CANCELLED_BY_LINK,
           by_patient=True)
    return view_of(w, token)


def move_by_patient(w: Work[Any], token: str, slot_id: int) -> dict[str, Any]:
    facts = facts_of(w, token)
    offered = {p.slot_id for p in offered_places(w.session, w.desk, facts)}
    if slot_id not in offered:
        refuse_too_soon(w.session, w.desk, slot_id)
    move_for_patient(w.session, w.desk, facts.id, slot_id, offered)
    return view_of(w, token)


def changed_once(endpoint: str, token: str, data: Any, step: Callable[[Work[Any]], Any], *,
                 key: str | None = None) -> Response:
    """A patient's change, once per ``Idempotency-Key`` (the API's header, or ``key``, the
    one the page's form carries): a double tap or a retry answers as the first did."""
    return idempotency.once(endpoint, data, step, status=200, by=PATIENT,
                            scope=link_scope(token), key=key)


@blp.route("/<token>")
class PatientLink(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PatientView)
    def get(self, token: str) -> dict[str, Any]:
        """The appointment the link names."""
        return show(token)


@blp.route("/<token>/cancel")
class PatientCancel(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PatientView)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, token: str) -> Response:
        """Cancel the appointment, until the patient's cut-off (default 2 hours before)."""
        return changed_once("link-cancel", token, {}, lambda w: cancel_by_patient(w, token))


@blp.route("/<token>/reschedule")
class PatientMove(MethodView):
    @blp.doc(security=[])
    @blp.arguments(MoveIn)
    @blp.response(200, PatientView)
    @blp.doc(parameters=[idempotency.DOC])
    def post(self, data: dict[str, Any], token: str) -> Response:
        """Move to one of the places the link offers (``alternatives``): a booked visit
        until the patient's cut-off; a visit the hospital cancelled is booked there. A
        place starting within the patient's cut-off from now is refused (422 ``too_soon``):
        the patient could not cancel it online afterwards."""
        return changed_once("link-reschedule", token, data,
                            lambda w: move_by_patient(w, token, data["slot_id"]))
