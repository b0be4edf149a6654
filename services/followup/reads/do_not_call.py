"""The do-not-call list as staff see it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DoNotCall


def entries(session: Session) -> list[DoNotCall]:
    return list(session.scalars(select(DoNotCall).order_by(DoNotCall.active.desc(),
                                                           DoNotCall.id.desc())))
