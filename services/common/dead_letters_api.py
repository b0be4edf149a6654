"""``/api/v1/dead-letters``: parked events of a consuming service, listed and replayed."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .auth import roles_required
from .inbox import DeadLetterMixin, list_dead_letters, replay_dead_letter
from .web import API_PREFIX, abort, runtime


class DeadLetterSchema(Schema):
    id = fields.Integer(required=True)
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    queue = fields.String(required=True)
    error = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    replayed_at = fields.DateTime(allow_none=True)


class DeadLetterQuery(Schema):
    all = fields.Boolean(load_default=False,
                         metadata={"description": "Include letters already replayed."})


class ReplayResult(Schema):
    id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


def dead_letters_blueprint(model: type[DeadLetterMixin]) -> Blueprint:
    """The dead-letter resource of one service, for admins."""
    blp = Blueprint("dead_letters", __name__, url_prefix=f"{API_PREFIX}/dead-letters",
                    description="Events that kept failing, parked so the queue keeps moving.")

    @blp.route("")
    class DeadLetters(MethodView):
        @roles_required("admin")
        @blp.arguments(DeadLetterQuery, location="query")
        @blp.response(200, DeadLetterSchema(many=True))
        def get(self, query: dict[str, Any]) -> list[DeadLetterMixin]:
            """List parked events, oldest first."""
            return list_dead_letters(runtime().db, model, include_replayed=query["all"])

    @blp.route("/<int:letter_id>/replay")
    class Replay(MethodView):
        @roles_required("admin")
        @blp.response(200, ReplayResult)
        def post(self, letter_id: int) -> dict[str, Any]:
            """Put a parked event back on this service's queue."""
            rt = runtime()
            if not replay_dead_letter(rt.db, rt.bus, model, letter_id):
                abort(404, message="No parked, replayable letter with this id.")
            return {"id": letter_id, "replayed": True}

    return blp
