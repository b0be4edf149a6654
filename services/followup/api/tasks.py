"""``/api/v1/tasks``: the worklist, the call card, claiming a task, logging each call."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import current_principal, roles_required
from services.common.fields import Instant
from services.common.idempotency import DOC
from services.common.unit_of_work import Work
from services.common.web import API_PREFIX, not_found, reading, work

from ..domain.satisfaction import QUESTIONS
from ..domain.statuses import Outcome, TaskKind, TaskStatus
from ..ops.access import record_access
from ..ops.handover import hand_over
from ..ops.staff import known_as
from ..ops.tasks import CALL_CARD, claim, dial, holds_claim, log_call
from ..reads.answers import first_by_topic
from ..reads.staff import colleagues, staff_names
from ..reads.tasks import (
    calls_of,
    etiquette,
    get_task,
    handovers_of,
    objection_answers,
    recorded_by,
    view,
    worklist,
)
from .common import CALLERS, READERS, once

blp = Blueprint("tasks", __name__, url_prefix=API_PREFIX,
                description="Follow-up tasks: who to call, when, and what came of each call.")


class TaskQuery(Schema):
    status = fields.String(load_default=TaskStatus.OPEN.value,
                           validate=validate.OneOf([s.value for s in TaskStatus]))
    kind = fields.String(validate=validate.OneOf([k.value for k in TaskKind]))
    due_before = Instant(metadata={"description": "with its zone (…+08:00 or …Z)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class PatientOut(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={
        "description": "full only on the call card of the consultant who claimed the task"})


class CallOut(Schema):
    at = fields.DateTime(required=True)
    by = fields.String(required=True)
    by_name = fields.String(metadata={"description": "the caller's display name"})
    outcome = fields.String(required=True)
    note = fields.String()
    call_back_at = fields.DateTime(allow_none=True)
    appointment_code = fields.String(allow_none=True)
    started_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the card's call button was pressed; none if it was not"})
    seconds = fields.Integer(allow_none=True, metadata={
        "description": "how long the call lasted (from the call button to the outcome)"})
    objection = fields.String(allow_none=True, metadata={
        "description": "on a declined call: what the person said"})
    scores = fields.Dict(allow_none=True, metadata={
        "description": "on an answered satisfaction call: explanation, waiting, overall (1–5)"})


class TaskOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    patient = fields.Nested(PatientOut, required=True)
    due_at = fields.DateTime(required=True)
    attempts = fields.Integer(required=True, metadata={"description": "unanswered calls"})
    last_outcome = fields.String(allow_none=True)
    sms_reached = fields.Boolean()
    context = fields.Dict(metadata={"description": "what happened: expert, date, reason, "
                                    "alternatives"})
    claimed_by = fields.String(allow_none=True)
    claimed_until = fields.DateTime(allow_none=True)
    claimed_by_name = fields.String(allow_none=True, metadata={
        "description": "the display name of the consultant holding the claim"})
    booked_code = fields.String(allow_none=True, metadata={
        "description": "the appointment that closed the task as booked"})
    closed_at = fields.DateTime(allow_none=True)
    section = fields.String(allow_none=True, metadata={
        "description": "due_now, overdue or later"})
    enquiry_id = fields.Integer(allow_none=True)
    appointment_id = fields.Integer(allow_none=True)
    redial_pending = fields.Boolean(metadata={
        "description": "the last call dropped: one immediate redial, not yet an attempt"})
    dialled_at = fields.DateTime(allow_none=True, metadata={
        "description": "the call being made now started then (the claimer's call button)"})


class HandoverOut(Schema):
    at = fields.DateTime(required=True)
    by = fields.String(required=True)
    by_name = fields.String()
    to = fields.String(allow_none=True, metadata={"description": "none: back to the list"})
    to_name = fields.String(allow_none=True)
    note = fields.String()


class HandoverIn(Schema):
    to = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60),
                       metadata={"description": "the colleague's username; none releases "
                                                "the task to the list"})
    note = fields.String(required=True, validate=validate.Length(max=2000))


class Colleague(Schema):
    username = fields.String(required=True)
    name = fields.String(required=True)


class CallCard(TaskOut):
    calls = fields.List(fields.Nested(CallOut))
    handovers = fields.List(fields.Nested(HandoverOut))
    etiquette = fields.Dict(metadata={
        "description": "greeting: the hospital, the caller's own name, why we call (the "
                       "task's kind), the day it is about; repeat_back: the agreed visit's "
                       "date, time, place and code ([{fact, value}]) once one is known"})
    recorded_by_name = fields.String(allow_none=True, metadata={
        "description": "for an enquiry: the display name of who recorded it"})
    hospital = fields.Dict(metadata={"description": "address, directions, phone to tell"})
    questions = fields.List(fields.String(), metadata={
        "description": "a satisfaction call's three questions, each scored 1–5"})
    objections = fields.List(fields.String(), metadata={
        "description": "the objections a declined call may record, in order"})
    objection_answers = fields.Dict(metadata={
        "description": "per objection, the facts the desk holds that answer it "
                       "([{fact, value}]: fee, address, directions, hospital_phone, expert, "
                       "department, alternatives)"})


class CallIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    call_back_at = Instant(load_default=None, allow_none=True)
    appointment_code = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Regexp(r"^[0-9A-Za-z]{8}$"))
    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(QUESTIONS)),
                         values=fields.Raw(), load_default=None, allow_none=True, metadata={
                             "description": "with answered (a satisfaction call, and only "
                                            "then): explanation, waiting, overall, each 1–5"})
    objection = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=24), metadata={
                                  "description": "with declined (and only then): what the "
                                                 "person said, one of the card's objections"})


OUT = TaskOut()


@blp.route("/tasks")
class Tasks(MethodView):
    @roles_required(*CALLERS)
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The worklist: hospital cancellations no SMS reached first, then by due time;
        phones masked."""
        with reading() as w:
            return worklist(w.session, w.desk, status=query["status"],
                            kind=query.get("kind"), due_before=query.get("due_before"),
                            limit=query["limit"])


@blp.route("/tasks/<int:task_id>")
class TaskResource(MethodView):
    @roles_required(*CALLERS)
    @blp.response(200, CallCard)
    def get(self, task_id: int) -> dict[str, Any]:
        """The call card: the facts to tell, the calls so far; the full phone only to the
        consultant holding the claim (that read is logged)."""
        with work(fresh_hospital=True) as w:
            session, here = w.session, w.desk
            task = get_task(session, task_id) or not_found("task")
            mine = holds_claim(task, here)
            if mine:
                record_access(session, here, CALL_CARD, patient_id=task.patient_id,
                              task_id=task.id, detail=f"task {task.id} ({task.kind})")
            hospital = here.hospital
            recorder = recorded_by(task)
            names = staff_names(session, [task.claimed_by, recorder])
            return {**view(task, here, full=mine, names=names),
                    "recorded_by_name": names.get(recorder) if recorder else None,
                    "calls": calls_of(session, task.id, full=mine),
                    "handovers": handovers_of(session, task.id, full=mine),
                    "etiquette": etiquette(session, task, here, hospital, caller_name()),
                    "objections": list(here.rules.objections),
                    "questions": list(QUESTIONS) if task.kind == TaskKind.SATISFACTION else [],
                    "objection_answers": objection_answers(
                        task, hospital, here.rules.objections,
                        first_by_topic(session, ("fees", "insurance", "parking"))),
                    "hospital": {"name": hospital.name, "address": hospital.address,
                                 "directions": hospital.directions, "phone": hospital.phone}
                    if hospital else {}}


def caller_name() -> str:
    """The caller's own display name, as their token gives it."""
    principal = current_principal()
    return principal.name or principal.username


@blp.route("/tasks/<int:task_id>/claim")
class Claim(MethodView):
    @roles_required(*CALLERS)
    @blp.response(200, TaskOut)
    def post(self, task_id: int) -> dict[str, Any]:
        """Take the task for 15 minutes, so nobody else calls the same person."""
        with work() as w:
            known_as(w.session, w.desk, current_principal().name)
            task = claim(w.session, w.desk, task_id)
            return view(task, w.desk, full=False,
                        names=staff_names(w.session, [task.claimed_by]))


@blp.route("/tasks/<int:task_id>/dial")
class Dial(MethodView):
    @roles_required(*CALLERS)
    @blp.response(200, TaskOut)
    def post(self, task_id: int) -> dict[str, Any]:
        """The card's call button: the call starts now; the outcome logged next ends it,
        so each call keeps its length."""
        with work() as w:
            task = dial(w.session, w.desk, task_id)
            return view(task, w.desk, full=False,
                        names=staff_names(w.session, [task.claimed_by]))


@blp.route("/tasks/<int:task_id>/hand-over")
class HandOver(MethodView):
    @roles_required(*CALLERS)
    @blp.arguments(HandoverIn)
    @blp.response(200, TaskOut)
    def post(self, data: dict[str, Any], task_id: int) -> dict[str, Any]:
        """Hand the claimed task to a named colleague (who holds the claim from now) or,
        without ``to``, release it to the list; always with a note, logged on the card."""
        with work() as w:
            task = hand_over(w.session, w.desk, task_id, to=data["to"] or None,
                             note=data["note"])
            return view(task, w.desk, full=False,
                        names=staff_names(w.session, [task.claimed_by]))


@blp.route("/colleagues")
class Colleagues(MethodView):
    @roles_required(*CALLERS, *READERS)
    @blp.response(200, Colleague(many=True))
    def get(self) -> list[dict[str, str]]:
        """The desk's other consultants: a consultant hands a task or a complaint to one, a
        manager gives a complaint to one. Front desk records complaints as its own and
        does not read the list (least privilege)."""
        me = current_principal().username
        with reading() as w:
            return [{"username": u, "name": n} for u, n in colleagues(w.session).items()
                    if u != me]


@blp.route("/tasks/<int:task_id>/calls")
class Calls(MethodView):
    @roles_required(*CALLERS)
    @blp.arguments(CallIn)
    @blp.response(201, TaskOut)
    @blp.doc(parameters=[DOC])
    def post(self, data: dict[str, Any], task_id: int) -> Any:
        """Log one call, answered or not; the task moves on by the rules (next call at
        least two hours later within calling hours, closed after three unanswered calls,
        closed by a booking, a refusal, a wrong number or a do-not-call)."""

        def act(w: Work[Any]) -> Any:
            known_as(w.session, w.desk, current_principal().name)
            task = log_call(w.session, w.desk, task_id, Outcome(data["outcome"]),
                            note=data["note"].strip(), call_back_at=data["call_back_at"],
                            appointment_code=(data["appointment_code"] or "").upper() or None,
                            objection=data["objection"], scores=data["scores"])
            return OUT.dump(view(task, w.desk, full=False))

        return once(f"calls-{task_id}", data, act)
