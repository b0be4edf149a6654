"""``/api/v1/answers``: the shared answers (统一回答口径) — admins keep them, the desk
searches and copies them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.common.auth import roles_required
from services.common.web import API_PREFIX, reading, work

from ..domain.answers import TOPICS, Answer
from ..ops.answers import add, change, retire
from ..reads.answers import answers, view
from .common import CALLERS, READERS

blp = Blueprint("answers", __name__, url_prefix=f"{API_PREFIX}/answers",
                description="Shared answers: the hospital's words for common questions.")


class AnswerQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    topic = fields.String(validate=validate.OneOf(TOPICS))


class AnswerIn(Schema):
    topic = fields.String(required=True, validate=validate.Length(max=20))
    question = fields.String(required=True, validate=validate.Length(max=200))
    answer = fields.String(required=True, validate=validate.Length(max=4000))


class AnswerOut(Schema):
    id = fields.Integer(required=True)
    topic = fields.String(required=True)
    question = fields.String(required=True)
    answer = fields.String(required=True)
    reviewed_on = fields.Date(required=True, metadata={"description": "last reviewed"})
    due_for_review = fields.Boolean(metadata={
        "description": "not reviewed for half a year"})


def shown(row: Any, w: Any) -> dict[str, Any]:
    return view(Answer(row.id, row.topic, row.question, row.answer, row.reviewed_on), w.desk)


@blp.route("")
class Answers(MethodView):
    @roles_required(*CALLERS, *READERS)
    @blp.arguments(AnswerQuery, location="query")
    @blp.response(200, AnswerOut(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Search: every word of ``q`` in the question, the answer or the topic."""
        with reading() as w:
            return answers(w.session, w.desk, query["q"], query.get("topic"))

    @roles_required("admin")
    @blp.arguments(AnswerIn)
    @blp.response(201, AnswerOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new shared answer, reviewed today."""
        with work() as w:
            return shown(add(w.session, w.desk, **data), w)


@blp.route("/<int:answer_id>")
class AnswerResource(MethodView):
    @roles_required("admin")
    @blp.arguments(AnswerIn)
    @blp.response(200, AnswerOut)
    def put(self, data: dict[str, Any], answer_id: int) -> dict[str, Any]:
        """Rewritten or looked over: reviewed today."""
        with work() as w:
            return shown(change(w.session, w.desk, answer_id, **data), w)

    @roles_required("admin")
    @blp.response(204)
    def delete(self, answer_id: int) -> None:
        """No longer the hospital's answer."""
        with work() as w:
            retire(w.session, w.desk, answer_id)
