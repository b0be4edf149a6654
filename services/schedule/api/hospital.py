"""``GET/PUT /api/v1/hospital``: the facts that patients read in their messages."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.web import API_PREFIX, abort

from ..config import runtime
from ..domain.hospital import LANGUAGES, HospitalFacts, InvalidHospital
from ..models import Hospital
from ..ops.hospital import save_hospital
from ..reads.hospital import get_hospital

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
    def get(self) -> Hospital:
        """The hospital's facts."""
        with runtime().db.reading() as session:
            row = get_hospital(session)
            if row is None:
                abort(404, message="The hospital's facts have not been entered yet.")
            return row

    @roles_required("admin")
    @blp.arguments(HospitalSchema)
    @blp.response(200, HospitalSchema)
    def put(self, data: dict[str, Any]) -> Hospital:
        """Replace the hospital's facts; booking and notify learn them by event."""
        cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        facts = HospitalFacts(**cleaned)
        try:
            rt = runtime()
            with rt.db.transaction() as session:
                return save_hospital(session, facts, rt.now())
        except InvalidHospital as exc:
            abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})
