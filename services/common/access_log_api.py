"""``/api/v1/access-log``: one service's append-only log of who read or changed which
patient's data, and when (admin). The admin's privacy page joins every service's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from .access_records import access_rows
from .auth import roles_required
from .fields import AccessOut, AccessQuery, hospital_days
from .web import API_PREFIX, reading


def access_log_blueprint(service: str, model: type[Any], *, description: str,
                         describe: Callable[[Any], str] | None = None) -> Blueprint:
    """The access-log resource of ``service``, read from its ``model`` (the columns of
    :class:`~.access_records.AccessRecordMixin`); days are the hospital's, in the zone of
    the request's desk."""
    blp = Blueprint("access_log", __name__, url_prefix=API_PREFIX, description=description)

    @blp.route("/access-log")
    class AccessLog(MethodView):
        @roles_required("admin")
        @blp.arguments(AccessQuery, location="query")
        @blp.response(200, AccessOut(many=True))
        def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
            """Newest first; filter by patient, staff member and days."""
            with reading() as w:
                after, before = hospital_days(query.get("from_"), query.get("to"), w.desk.zone)
                rows = access_rows(w.session, model, patient_id=query.get("patient_id"),
                                   staff=query.get("staff"), after=after, before=before,
                                   limit=query["limit"], describe=describe)
            return [{**row, "service": service} for row in rows]

    return blp
