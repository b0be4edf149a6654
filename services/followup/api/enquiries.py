"""``/api/v1/enquiries``: people who asked but did not book, recorded by the consultant."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import ID_RANGE, Day, hospital_days
from services.common.idempotency import DOC
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, not_found, reading, unprocessable

from ..domain.statuses import EnquiryStatus
from ..ops.enquiries import record_enquiry
from ..ops.staff import known_as
from ..reads.enquiries import enquiries, enquiry_view, get_enquiry
from .common import CALLERS, once, phone_of

blp = Blueprint("enquiries", __name__, url_prefix=API_PREFIX,
                description="Enquiries: who asked, how, about what, and whether they agreed "
                            "to be called back.")

CHANNELS = ("chat", "phone", "wechat", "qq", "walk_in", "other")


class EnquiryIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=40))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    department_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    complaint = fields.String(load_default="", validate=validate.Length(max=2000))
    call_consent = fields.Boolean(load_default=False, metadata={
        "description": "The person agreed to be called back; without it no task opens"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class EnquiryOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "masked in lists"})
    channel = fields.String()
    department_id = fields.Integer(allow_none=True)
    complaint = fields.String()
    note = fields.String()
    call_consent = fields.Boolean()
    status = fields.String(required=True, validate=validate.OneOf(
        [s.value for s in EnquiryStatus]))
    recorded_by = fields.String()
    created_at = fields.DateTime()
    converted_at = fields.DateTime(allow_none=True)
    appointment_code = fields.String(allow_none=True)
    arrived_at = fields.DateTime(allow_none=True)


class EnquiryQuery(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in EnquiryStatus]))
    from_ = Day(data_key="from")
    to = Day()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


OUT = EnquiryOut()


@blp.route("/enquiries")
class Enquiries(MethodView):
    @roles_required(*CALLERS)
    @blp.arguments(EnquiryIn)
    @blp.response(201, EnquiryOut)
    @blp.doc(parameters=[DOC])
    def post(self, data: dict[str, Any]) -> Any:
        """Record someone who asked but did not book."""

        def act(w: Work[Any]) -> Any:
            phone = phone_of(data["phone"])
            name = " ".join(data["name"].split())
            if not name:
                unprocessable("name", "The name is needed.")
            known_as(w.session, w.desk, current_principal().name)
            enquiry = record_enquiry(
                w.session, w.desk, name=name, phone=phone, channel=data["channel"],
                department_id=data["department_id"], complaint=data["complaint"].strip(),
                call_consent=data["call_consent"], note=data["note"].strip())
            return OUT.dump(enquiry_view(enquiry, full=True))

        return once("enquiries", data, act)

    @roles_required("consultant", "manager", "admin")
    @blp.arguments(EnquiryQuery, location="query")
    @blp.response(200, EnquiryOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Enquiries, newest first, phones masked; filter by status and days recorded."""
        with reading() as w:
            after, before = hospital_days(query.get("from_"), query.get("to"), w.desk.zone)
            return [enquiry_view(e, complaint=talks_to_patients()) for e in enquiries(
                w.session, status=query.get("status"), after=after, before=before,
                limit=query["limit"])]


@blp.route("/enquiries/<int:enquiry_id>")
class EnquiryResource(MethodView):
    @roles_required("consultant", "manager", "admin")
    @blp.response(200, EnquiryOut)
    def get(self, enquiry_id: int) -> dict[str, Any]:
        """One enquiry (the phone masked: the call card shows it to the caller)."""
        with reading() as w:
            enquiry = get_enquiry(w.session, enquiry_id) or not_found("enquiry")
            return enquiry_view(enquiry, complaint=talks_to_patients())


def talks_to_patients() -> bool:
    """Consultants read what was asked; managers and admins never do (SPEC §8)."""
    return "consultant" in current_principal().roles
