"""Booking and cancelling under ``/fhir`` (SPEC §13, docs/fhir.md "Booking and cancelling").

``POST /fhir/Appointment`` books through :func:`..appointments.book_once`, the very path
of ``POST /api/v1/appointments`` (the same refusals, the same ``Idempotency-Key``, the same
events and confirmation), with the channel ``fhir``. ``PUT`` and ``PATCH`` of an
Appointment cancel it through ``ops.changes.cancel``, as the API's cancel does (the same
``Idempotency-Key``: a retried cancel gets the first answer, not ``wrong_status``); no other
change is made here. A refusal leaves as an OperationOutcome carrying the rule's code
(the blueprint turns every problem document into one).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, abort, request
from marshmallow import ValidationError

from services.common.auth import current_principal, roles_required
from services.common.refusals import Invalid, NotFound
from services.common.tokens import INTEGRATION
from services.common.unit_of_work import Work

from ...config import runtime
from ...domain.fhir import appointment_resource
from ...domain.fhir_booking import (
    FhirBooking,
    FhirCancel,
    booking_of,
    cancel_of_patch,
    cancel_of_put,
    refuse_other_changes,
)
from ...domain.patients import PatientRequest, clean_patient
from ...domain.statuses import Channel
from ...ops import changes
from ...ops.booking import BookingRequest
from ...reads.appointments import load_facts
from .. import idempotency
from ..appointments import BOOKERS, book_once
from ..schemas import PatientIn
from . import FHIR_JSON, PREFIX, serves
from . import blp as fhir_blueprint

blp: Blueprint = fhir_blueprint  # type: ignore[has-type]  # (the package imports us last)
#: Who books and cancels through FHIR: the API's bookers and a hospital system's account.
FHIR_BOOKERS = (*BOOKERS, INTEGRATION)
JSON_PATCH = "application/json-patch+json"
PATIENT_FIELDS = PatientIn()

serves("Appointment", ["create", "update", "patch"])


@blp.post("/Appointment")
@roles_required(*FHIR_BOOKERS)
def create_appointment() -> Response:
    """Book: an Appointment with status booked, one slot and a patient participant."""
    body = resource_body()
    wanted = booking_of(body)
    with in_fhir_terms(wanted):
        booking = BookingRequest(
            patient=patient_of(wanted), channel=Channel.FHIR.value, slot_id=wanted.slot_id,
            complaint=wanted.complaint, by_name=current_principal().name)
        answer = book_once("fhir-appointment", body, booking, lambda _w, facts:
                           appointment_resource(facts, contact=True))
    answer.mimetype = FHIR_JSON
    answer.headers["Location"] = f"{PREFIX}/Appointment/{answer.get_json()['id']}"
    return answer


@blp.put("/Appointment/<int:appointment_id>")
@roles_required(*FHIR_BOOKERS)
def update_appointment(appointment_id: int) -> Response:
    """Cancel by sending the resource back with status cancelled (and a reason)."""
    body = resource_body()
    wanted = cancel_of_put(body, appointment_id)
    return cancelled(appointment_id, wanted, body, sent=body)


@blp.patch("/Appointment/<int:appointment_id>")
@roles_required(*FHIR_BOOKERS)
def patch_appointment(appointment_id: int) -> Response:
    """Cancel with a JSON Patch replacing ``/status`` by cancelled."""
    if request.mimetype != JSON_PATCH:
        abort(415, description=f"Send a JSON Patch as {JSON_PATCH}.")
    patch = request.get_json(silent=True)
    return cancelled(appointment_id, cancel_of_patch(patch), patch)


def cancelled(appointment_id: int, wanted: FhirCancel, body: Any,
              sent: dict[str, Any] | None = None) -> Response:
    """The API's cancel: the cancel window, the place given back, the patient told; once
    per ``Idempotency-Key`` as the API's cancel (``body``, the resource or the patch, and
    the path are what the key's request is compared by)."""
    def cancel(w: Work[Any]) -> Any:
        if sent is not None:
            stored = appointment_resource(load_facts(w.session, w.desk, appointment_id),
                                          contact=False)
            refuse_other_changes(sent, stored)
        facts = changes.cancel(w.session, w.desk, appointment_id, wanted.reason, wanted.note)
        return appointment_resource(facts, contact=True)

    answer = idempotency.once("fhir-cancel", body, cancel, status=200)
    answer.mimetype = FHIR_JSON
    return answer


def resource_body() -> Any:
    """The request's resource; JSON (``application/fhir+json``) only."""
    if not request.is_json:
        abort(415, description=f"Send the resource as {FHIR_JSON}.")
    return request.get_json(silent=True)


def patient_of(wanted: FhirBooking) -> PatientRequest:
    """The patient's fields checked as the API checks them: its schema, then its rules."""
    try:
        fields = PATIENT_FIELDS.load(wanted.patient)
    except ValidationError as bad:
        name, words = next(iter(bad.normalized_messages().items()))
        raise Invalid(message=f"{name}: {' '.join(map(str, words))}",
                      field=f"patient.{name}") from bad
    return clean_patient(fields, runtime().settings.phone_region)


@contextmanager
def in_fhir_terms(wanted: FhirBooking) -> Iterator[None]:
    """A refusal naming booking's field (``patient.phone``) names the FHIR element it
    came from instead; a slot or patient the body refers to that booking does not know
    is the body's fault (422), not a missing URL (404)."""
    try:
        yield
    except NotFound as gone:
        if gone.what == "slot":
            raise Invalid(message=f"Slot/{wanted.slot_id} is not known.",
                          field="Appointment.slot[0].reference") from gone
        if gone.what == "patient":
            raise Invalid(message="The patient referred to is not known.",
                          field=wanted.where.get("patient.id")) from gone
        raise
    except Invalid as refused:
        if refused.field in wanted.where:
            refused.field = wanted.where[refused.field]
        raise
