"""``GET/PUT /api/v1/hospital``: the facts that patients read in their messages."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.web import API_PREFIX, reading, work

from ..domain.hospital import LANGUAGES, Hospital
from ..ops.hospital import save_hospital
from ..reads.hospital import HospitalView, hospital

blp = Blueprint("hospital", __name__, url_prefix=f"{API_PREFIX}/hospital",
                description="The hospital's facts: name, address, directions, phone, time zone.")


class HospitalSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(load_default="", validate=validate.Length(max=400))
    directions = fields.String(load_default="", validate=validate.Length(max=4000))
    phone = fields.String(load_default="", validate=validate.Length(max=40))
    time_zone = fields.String(load_default="Asia/Shanghai", validate=validate.Length(min=1, max=60),
                              metadata={"description": "IANA zone, e.g. Asia/Shanghai"})
    language = fields.String(load_default="zh-CN", validate=validate.OneOf(LANGUAGES))
    updated_at = fields.DateTime(dump_only=True)


@blp.route("")
class HospitalResource(MethodView):
    @roles_required("admin", "consultant", "frontdesk", "manager")
    @blp.response(200, HospitalSchema)
    def get(self) -> HospitalView:
        """The hospital's facts."""
        with reading() as w:
            return hospital(w.session)

    @roles_required("admin")
    @blp.arguments(HospitalSchema)
    @blp.response(200, HospitalSchema)
    def put(self, data: dict[str, Any]) -> HospitalView:
        """Replace the hospital's facts; booking, notify and followup learn them by event."""
        cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        with work() as w:
            save_hospital(w, Hospital(**cleaned))
            return hospital(w.session)
