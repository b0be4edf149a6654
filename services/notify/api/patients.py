"""``/api/v1/patients/{id}/export``: every message notify holds for a patient (admin)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import roles_required
from services.common.contracts import plain
from services.common.fields import Export
from services.common.web import API_PREFIX, work

from ..ops.access import EXPORT, EXPORT_DETAIL, record_access
from ..reads.patients import export_of

blp = Blueprint("patients", __name__, url_prefix=API_PREFIX,
                description="What notify holds on one patient, for their PIPL request.")


@blp.route("/patients/<int:patient_id>/export")
class PatientExport(MethodView):
    @roles_required("admin")
    @blp.response(200, Export)
    def get(self, patient_id: int) -> dict[str, Any]:
        """Every message to the patient, unmasked but for the patient's own link (a
        placeholder in its place); the export is written to notify's access log."""
        with work() as w:
            record_access(w.session, at=w.desk.now, staff=w.desk.by, patient_id=patient_id,
                          action=EXPORT, detail=EXPORT_DETAIL)
            return plain(export_of(w.session, patient_id))
