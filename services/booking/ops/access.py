"""The access log: one row for each full read of a patient's contact data, each change and
each search by phone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.db import append_row, table_of

from ..domain.privacy import NOBODY, Access, PhoneSearch
from ..domain.rules import BookingDesk
from ..models import AccessRecord

ACCESS_LOG = table_of(AccessRecord)


def record_access(session: Session, desk: BookingDesk, patient_id: int, action: Access,
                  detail: str = "") -> None:
    """A plain INSERT (the log is append-only: nothing reads it back), with the request's
    other rows where it gathers them (see ``rows_together``)."""
    append_row(session, ACCESS_LOG, dict(
        at=desk.now, staff=desk.by, patient_id=patient_id, action=action.value,
        detail=detail[:200]))


def record_phone_search(session: Session, desk: BookingDesk, search: PhoneSearch,
                        patient_ids: list[int]) -> None:
    """One ``search_phone`` row per patient the phone found, saying whether the whole
    number or its last four digits were given (never the digits); a search that found
    nobody is logged too, against :data:`NOBODY`."""
    if not patient_ids:
        record_access(session, desk, NOBODY, Access.SEARCH_PHONE,
                      f"{search.detail}, nobody found")
        return
    for patient_id in dict.fromkeys(patient_ids):
        record_access(session, desk, patient_id, Access.SEARCH_PHONE, search.detail)
