"""Booking's refusals as problem documents, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from services.common.web import abort

from ..domain.patients import InvalidPatient
from ..domain.rules import Duplicate, Forbidden, NotFound, RuleBroken


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the domain's refusals into 4xx answers (a duplicate shows the existing one)."""
    try:
        yield
    except NotFound as exc:
        abort(404, message=str(exc))
    except Forbidden as exc:
        abort(403, message=str(exc))
    except InvalidPatient as exc:
        abort(422, message=str(exc), errors={"json": {"patient": {exc.field: [str(exc)]}}})
    except Duplicate as exc:
        abort(409, message=str(exc), code=exc.code, existing=exc.existing)
    except RuleBroken as exc:
        abort(exc.status, message=str(exc), code=exc.code)
