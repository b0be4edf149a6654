"""What every service's app factory uses: the runtime, the API object, health checks."""

from __future__ import annotations

import http
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import flask_smorest
from flask import Blueprint, Flask, Response, g, jsonify, request
from flask_cors import CORS
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Rule

from . import inputs, metrics, tracing
from .auth import current_principal
from .config import Settings
from .headers import install_headers
from .problems import PROBLEM_JSON, ProblemSchema, http_exception_problem, register_problem_handlers
from .runtime import Runtime, current_runtime
from .unit_of_work import Work, unit_of_work
from .unit_of_work import reading as read_only

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def runtime() -> Runtime[Settings]:
    """The runtime with only the settings every service has (for shared views)."""
    return current_runtime(Settings)


@contextmanager
def work(*, fresh_hospital: bool = False) -> Iterator[Work[Any]]:
    """This request's unit of work, at the signed-in member's desk (see unit_of_work)."""
    with unit_of_work(runtime(), current_principal().username,
                      fresh_hospital=fresh_hospital) as here:
        yield here


@contextmanager
def reading(by: str | None = None) -> Iterator[Work[Any]]:
    """This request's read-only session and desk: the signed-in member's, or ``by`` for a
    request nobody signed in to (a patient's link, a provider's callback)."""
    with read_only(runtime(), by or current_principal().username) as here:
        yield here


class ClinicApi(Api):
    """flask-smorest's Api answering errors as problem documents, documented as such.

    The endpoints' OpenAPI entries and the standard responses are written when the document
    is first read (``spec``: openapi.json, a test), not when the app starts: flask-smorest
    writes them at start (each took about a third of a booking app's start-up: 24 ms of CPU
    became 15), and most processes never serve the document."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        self._spec: Any = None
        self._started = False  # flask-smorest reads ``spec`` while it starts: write nothing yet
        self._responses_written = False
        super().__init__(app)
        self.register_converter(IdConverter, lambda _converter: {
            "type": "integer", "minimum": 1, "maximum": 2**31 - 1})
        self._started = True

    @property
    def spec(self) -> Any:
        """The OpenAPI document, with the standard responses and every blueprint registered
        so far written into it."""
        if self._started and (self._undocumented or not self._responses_written):
            with self._documenting:  # another thread waits for the whole document
                if not self._responses_written:
                    self._write_responses(self._spec)
                    self._responses_written = True
                for blp, name, parameters in self._undocumented:
                    blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                              parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
                self._undocumented = []
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """flask-smorest's register_blueprint, with the documenting left for ``spec``."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_exception_problem(error)

    def _register_responses(self) -> None:
        """Left for ``spec``: a response per HTTP status was a third of an app's start."""

    def _write_responses(self, spec: Any) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_JSON
            prepare_response(response, spec, content_type)
            spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as a problem document", "schema": self.ERROR_SCHEMA}
        prepare_response(response, spec, PROBLEM_JSON)
        spec.components.response("DEFAULT_ERROR", response, lazy=True)


class LazyRule(Rule):
    """A URL rule that compiles its two URL builders (for ``url_for``) when it first builds a
    URL, not when the app starts: werkzeug compiles them for every rule at start, a third
    of a booking app's start-up, and most of an API's rules never build a URL."""

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        compiled: list[Any] = []

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown))
            return compiled[0](rule, **values)

        return build


def create_base_app(import_name: str, rt: Runtime[Any]) -> tuple[Flask, ClinicApi]:
    """A Flask app with the runtime attached, problem errors, health checks and the API object."""
    settings = rt.settings
    app = Flask(import_name)
    app.url_rule_class = LazyRule
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        API_TITLE=f"clinic {settings.SERVICE}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        SECRET_KEY=settings.jwt_secret,
        MAX_CONTENT_LENGTH=1024 * 1024,
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearerAuth": []}],
            "servers": [{"url": "/"}],
        },
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["clinic"] = rt
    count_requests(app, settings.SERVICE)
    app.before_request(inputs.guard)
    allow_own_pages(app, settings)
    install_headers(app, settings.service_urls())
    register_problem_handlers(app)
    api = ClinicApi(app)
    app.register_blueprint(health_blueprint())
    app.register_blueprint(metrics_blueprint(settings))
    return app, api


def count_requests(app: Flask, service: str) -> None:
    """``http_requests_total`` and ``http_request_duration_seconds`` for every answer, labelled
    by the URL rule that matched (``unmatched`` for none), never by the path: no ids."""

    @app.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()
        g.trace = tracing.start_request_span(f"{request.method} {_route()}",
                                             dict(request.headers))

    @app.after_request
    def _answered(response: Response) -> Response:
        rule = _route()
        g.status = response.status_code
        if rule != "/metrics":
            started = g.get("metrics_started", time.perf_counter())
            metrics.request_done(service, rule, request.method, response.status_code,
                                 time.perf_counter() - started)
        return response

    @app.teardown_request
    def _ended(_error: BaseException | None) -> None:
        """The request's span ends when the request does, whatever happened in it."""
        started = g.pop("trace", None)
        if started is not None:
            tracing.end_request_span(started[0], started[1], g.get("status"))


def _route() -> str:
    """The URL rule that matched (``unmatched`` for none): a label without ids."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def metrics_blueprint(settings: Settings) -> Blueprint:
    """``GET /metrics`` for Prometheus: no token, but only to ``METRICS_ALLOW_FROM``; anyone
    else gets the 404 of a path that does not exist."""
    blp = Blueprint("metrics", __name__)
    allow = metrics.networks(settings.metrics_allow_from)

    @blp.get("/metrics")
    def scrape() -> Any:
        if not metrics.allowed(request.remote_addr, allow):
            not_found("page")
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    return blp


def allow_own_pages(app: Flask, settings: Settings) -> None:
    """The clinic's pages on one service's port may call another service's API with the
    staff member's cookie (the admin page joins booking's and notify's exports): only
    these origins, and writes still need the CSRF token."""
    CORS(app, resources={f"{API_PREFIX}/*": {"origins": list(settings.service_urls())}},
         supports_credentials=True, allow_headers=["Content-Type", "X-CSRF-Token",
                                                   "Idempotency-Key"])


def health_blueprint() -> Blueprint:
    blp = Blueprint("health", __name__)

    @blp.get("/healthz")
    def healthz() -> Any:
        """The process is up."""
        return jsonify(status="ok", service=runtime().settings.SERVICE)

    @blp.get("/readyz")
    def readyz() -> Any:
        """The database and the broker answer now."""
        rt = runtime()
        checks: dict[str, str] = {}
        for name, ping in (("database", rt.db.ping), ("broker", rt.bus.ping)):
            try:
                ping()
                checks[name] = "ok"
            except Exception as exc:
                log.warning("readiness: %s is not answering: %s", name, exc)
                checks[name] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ready else "unavailable", "checks": checks,
                "service": rt.settings.SERVICE}
        return jsonify(body), 200 if ready else 503

    return blp


def abort(status: int, **details: Any) -> NoReturn:
    """Answer with a problem document now (``message``, ``errors``, ``code``, ``existing``)."""
    flask_smorest.abort(status, **details)
    raise AssertionError("flask_smorest.abort returned")  # it always raises


def unprocessable(field: str, message: str, location: str = "json") -> NoReturn:
    """Answer 422 naming the field at fault, as schema errors are named."""
    abort(422, message=message, errors={location: {field: [message]}})


def not_found(what: str) -> NoReturn:
    abort(404, message=f"No such {what}.")


class IdConverter(IntegerConverter):
    """``<int:…>`` in our URLs: a positive 32-bit id, or the route does not match (404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.update(min=1, max=2**31 - 1)
        super().__init__(url_map, *args, **kwargs)
