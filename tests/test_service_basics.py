"""What every service answers the same way: health, OpenAPI, errors, roles on dead letters."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask, url_for

from tests.support.services import SERVICES


@pytest.fixture(params=SERVICES)
def app(request: pytest.FixtureRequest, make_app) -> Flask:
    return make_app(request.param)


def test_healthz_says_the_process_is_up(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_checks_the_database_and_the_broker(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.parametrize("name", SERVICES)
def test_readyz_is_503_when_the_broker_does_not_answer(name: str, make_app) -> None:
    app = make_app(name, broker_url="amqp://guest:guest@127.0.0.1:1//")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "broker": "unavailable"}


def test_a_service_address_leads_to_sign_in_not_a_404(app: Flask) -> None:
    """``make run`` prints each service's address; opening any of them must lead somewhere."""
    response = app.test_client().get("/")
    schedule = app.extensions["clinic"].settings.schedule_url
    assert response.status_code == 302
    assert response.location in (f"{schedule}/", "/login"), response.location


def test_openapi_document_is_served_with_bearer_auth(app: Flask) -> None:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]


def test_the_openapi_document_written_on_first_read_documents_every_api_route(
        app: Flask) -> None:
    """The endpoints are documented when the document is first read, not at start (ClinicApi):
    eight threads reading it at once all get the whole of it, and every /api/v1 route the app
    answers on is in it."""
    client_answers: list[dict] = []

    def read() -> None:
        client_answers.append(app.test_client().get("/api/v1/openapi.json").json)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in client_answers[0]["paths"]}
    routes = {re.sub(r"<[^>]+>", "{}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")}
    assert len(client_answers) == 8 and all(doc == client_answers[0] for doc in client_answers)
    assert routes and routes <= documented, routes - documented


def test_urls_are_built_by_rules_that_compile_their_builders_when_first_asked(
        app: Flask) -> None:
    """LazyRule: a URL rule builds the same URL werkzeug's own would, arguments and all."""
    built = 0
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            url = url_for(rule.endpoint, **{name: "7" for name in rule.arguments}, extra="x y")
            assert url == re.sub(r"<[^>]+>", "7", rule.rule) + "?extra=x+y", (rule.rule, url)
            built += 1
    assert built >= 5


def test_unknown_path_is_a_problem_document(app: Flask) -> None:
    response = app.test_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404 and response.json["title"] == "Not Found"


def test_unexpected_error_is_a_generic_500_that_leaks_nothing(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail: password=hunter2 at /srv/db")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_database_outage_is_a_503_to_retry_not_a_500(app: Flask) -> None:
    from sqlalchemy.exc import OperationalError

    @app.get("/db-gone")
    def db_gone() -> None:
        raise OperationalError("SELECT 1", {}, Exception("terminating connection"))

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/db-gone")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "1"
    assert "SELECT" not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["booking", "notify"])
def test_dead_letters_need_an_admin_token(name: str, make_app, auth_header) -> None:
    client = make_app(name).test_client()
    assert client.get("/api/v1/dead-letters").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/v1/dead-letters", headers=bad).status_code == 401
    assert client.get("/api/v1/dead-letters", headers=auth_header("consultant")).status_code == 403
    response = client.get("/api/v1/dead-letters", headers=auth_header("admin"))
    assert response.status_code == 200 and response.json == []
    missing = client.post("/api/v1/dead-letters/99/replay", headers=auth_header("admin"))
    assert missing.status_code == 404


@pytest.mark.parametrize("name", SERVICES)
def test_the_queue_is_bound_to_exactly_the_types_the_handlers_take(name: str,
                                                                   make_app) -> None:
    import importlib

    module = importlib.import_module(f"services.{name}.handlers")
    rt = make_app(name).extensions["clinic"]
    assert set(module.handlers(rt)) == set(module.EVENT_TYPES)
