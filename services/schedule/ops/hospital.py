"""The hospital's facts: saved and told to booking, notify and followup in one transaction."""

from __future__ import annotations

import dataclasses
from typing import Any

from services.common.contracts.schedule import HospitalUpdated
from services.common.hospital import Hospital
from services.common.hospital_copy import forget_kept_hospital
from services.common.unit_of_work import Work

from ..domain.hospital import check_hospital
from ..models import Hospital as HospitalRow
from ..models import outbox


def save_hospital(work: Work[Any], hospital: Hospital) -> None:
    """Create or replace the hospital's facts and tell the other services; this process
    reads them afresh from the commit on."""
    check_hospital(hospital)
    session = work.session
    row = session.get(HospitalRow, 1, with_for_update=True)
    if row is None:
        row = HospitalRow(id=1)
        session.add(row)
    for field in dataclasses.fields(hospital):
        setattr(row, field.name, getattr(hospital, field.name))
    row.updated_at = work.desk.now
    session.flush()
    outbox.add(session, hospital_updated(hospital))
    forget_kept_hospital(session, HospitalRow)


def hospital_updated(hospital: Hospital) -> HospitalUpdated:
    """The domain's hospital as the wire carries it: the one place they meet."""
    return HospitalUpdated(name=hospital.name, address=hospital.address,
                           directions=hospital.directions, phone=hospital.phone,
                           time_zone=hospital.time_zone, language=hospital.language)
