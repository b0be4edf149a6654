"""``/api/v1/access-log``: who exported a patient's messages, and when (admin); the
admin's privacy page joins it with booking's and followup's."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import roles_required
from services.common.fields import AccessOut, AccessQuery, hospital_days
from services.common.hospital_copy import hospital_zone
from services.common.web import API_PREFIX

from ..config import runtime
from ..models import Hospital
from ..reads.access import access_log

blp = Blueprint("access_log", __name__, url_prefix=API_PREFIX,
                description="The append-only log of every export of a patient's messages.")


@blp.route("/access-log")
class AccessLog(MethodView):
    @roles_required("admin")
    @blp.arguments(AccessQuery, location="query")
    @blp.response(200, AccessOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest first; filter by patient, staff member and days."""
        rt = runtime()
        with rt.db.reading() as session:
            zone = hospital_zone(session, Hospital, rt.settings.default_time_zone)
            after, before = hospital_days(query.get("from_"), query.get("to"), zone)
            rows = access_log(session, patient_id=query.get("patient_id"),
                              staff=query.get("staff"), after=after, before=before,
                              limit=query["limit"])
        return [{**row, "service": "notify"} for row in rows]
