"""``/api/v1/access-log``: who saw or changed which patient's data, and when (admin)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import roles_required
from services.common.fields import AccessOut, AccessQuery, hospital_days
from services.common.web import API_PREFIX

from ..config import runtime
from ..reads.hospital import hospital_facts
from ..reads.patients import access_log

blp = Blueprint("access_log", __name__, url_prefix=API_PREFIX,
                description="The append-only log of every full read and change of a "
                            "patient's data.")


@blp.route("/access-log")
class AccessLog(MethodView):
    @roles_required("admin")
    @blp.arguments(AccessQuery, location="query")
    @blp.response(200, AccessOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest first; filter by patient, staff member and days."""
        rt = runtime()
        with rt.db.reading() as session:
            hospital = hospital_facts(session)
            zone = ZoneInfo(hospital.time_zone if hospital else rt.settings.default_time_zone)
            after, before = hospital_days(query.get("from_"), query.get("to"), zone)
            rows = access_log(session, patient_id=query.get("patient_id"),
                              staff=query.get("staff"), after=after, before=before,
                              limit=query["limit"])
        return [{**row, "service": "booking"} for row in rows]
