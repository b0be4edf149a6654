"""``/api/v1/patients/{id}/export``: everything followup holds on a patient (admin)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import roles_required
from services.common.contracts import plain
from services.common.fields import Export
from services.common.web import API_PREFIX, work

from ..ops.access import record_access
from ..reads.patients import export_of

blp = Blueprint("patients", __name__, url_prefix=API_PREFIX,
                description="What followup holds on one patient, for their PIPL request.")


@blp.route("/patients/<int:patient_id>/export")
class PatientExport(MethodView):
    @roles_required("admin")
    @blp.response(200, Export)
    def get(self, patient_id: int) -> dict[str, Any]:
        """The patient's enquiries, tasks, calls and call-card reads, unmasked; the export
        itself is logged."""
        with work() as w:
            found = plain(export_of(w.session, patient_id))
            record_access(w.session, w.desk, "export", patient_id=patient_id,
                          detail="followup export")
            return found
