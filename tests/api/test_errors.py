"""One family of errors, one registry of codes, one API error shape: every DeskError's code is
an ``ErrorCode`` member, no module invents a code string, every 422 lists its problems, and a
500 is the same JSON shape with a request id that the log has too (issue 12, issue 13)."""

from __future__ import annotations

import ast
import importlib
import logging
from pathlib import Path

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError
from django.test import Client
from django.urls import get_resolver

import pledgedesk
from pledgedesk.errors import DeskError, ErrorCode, InvalidInput

pytestmark = pytest.mark.django_db

ROOT = Path(pledgedesk.__file__).parent
SECRET = "password=hunter2 host=db.internal.example"


def _all_modules():
    """Everything a request, a command or the demo can reach: every error class they raise."""
    get_resolver().url_patterns  # noqa: B018 (imports every view, and so every service)
    for name in ("pledgedesk.cli", "pledgedesk.demo"):
        importlib.import_module(name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_desk_error_carries_a_registered_code():
    _all_modules()

    found = [DeskError, *_subclasses(DeskError)]

    assert len(found) > 6  # the family, TooLarge, VersionRequired, ...
    for cls in found:
        assert isinstance(cls.code, ErrorCode), cls
        assert isinstance(cls("x").code, ErrorCode), cls


def test_an_unregistered_code_is_refused_where_it_is_written():
    with pytest.raises(ValueError, match="not a valid ErrorCode"):
        type("Invented", (DeskError,), {"code": "something_new"})
    with pytest.raises(ValueError, match="not a valid ErrorCode"):
        InvalidInput("x", code="something_new")


def _code_literals(path: Path, family: set[str]):
    """``code="..."`` given to an error of the desk's family, and ``code = "..."`` in a
    class of that family: a code written as a string where it is raised."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for keyword in node.keywords:
                if (callee in family and keyword.arg == "code"
                        and isinstance(keyword.value, ast.Constant)):
                    yield node.lineno
        elif isinstance(node, ast.ClassDef) and node.name in family:
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
                        and any(isinstance(t, ast.Name) and t.id == "code"
                                for t in stmt.targets)):
                    yield stmt.lineno


def test_no_module_writes_an_error_code_as_a_string():
    # (Django's own ValidationError codes and the pure calendar package's CalendarError codes
    # are other families.)
    _all_modules()
    family = {cls.__name__ for cls in (DeskError, *_subclasses(DeskError))}

    offenders = [f"{path.relative_to(ROOT.parent)}:{line}"
                 for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts
                 for line in _code_literals(path, family)]

    assert offenders == []


def test_a_services_422_lists_its_problem_like_a_schema_422(world):
    # Unknown priority: refused by the policy lookup in the service, not by the schema.
    response = world.api("requester").post("tickets", {"subject": "x", "priority": "purple"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "priority"
    assert body["errors"] == [{"field": "priority", "message": body["message"]}]


def test_a_schema_422_lists_every_problem(world):
    response = world.api("requester").post("tickets", {"subject": 1, "description": 2})

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"subject", "description"}


def _failing(*args, **kwargs):
    raise OperationalError(f"server closed the connection unexpectedly ({SECRET})")


def _assert_internal_error(response):
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"code", "message", "field", "request_id"}
    assert body["code"] == "internal_error"
    assert body["field"] is None
    assert response["X-Request-Id"] == body["request_id"]
    assert body["request_id"] in body["message"]
    text = response.content.decode()
    for leaked in ("hunter2", "db.internal", "OperationalError", "Traceback", "File \""):
        assert leaked not in text
    return body["request_id"]


def _logged(caplog, request_id):
    return [r for r in caplog.records
            if getattr(r, "request_id", None) == request_id and r.levelno == logging.ERROR]


def test_a_handler_failure_is_a_json_500_with_a_logged_request_id(world, monkeypatch, caplog):
    monkeypatch.setattr("pledgedesk.api.tickets.ticket_queue", _failing)

    with caplog.at_level(logging.ERROR, logger="pledgedesk.api"):
        response = world.api("agent").get("tickets")

    request_id = _assert_internal_error(response)
    [record] = _logged(caplog, request_id)
    assert request_id in record.getMessage()
    assert "/api/v1/tickets" in record.getMessage()
    assert record.exc_info[0] is OperationalError  # the log keeps what the body leaves out


def test_a_database_failure_while_authenticating_is_a_json_500(world, monkeypatch, caplog):
    monkeypatch.setattr("pledgedesk.api.auth.token_verify", _failing)

    with caplog.at_level(logging.ERROR, logger="pledgedesk.api"):
        response = world.api("agent").get(f"tickets/{world.ticket.number}")

    assert _logged(caplog, _assert_internal_error(response))


def test_each_500_gets_its_own_request_id(world, monkeypatch):
    monkeypatch.setattr("pledgedesk.api.tickets.ticket_queue", _failing)
    api = world.api("agent")

    ids = {api.get("tickets")["X-Request-Id"] for _ in range(3)}

    assert len(ids) == 3


def test_a_failure_outside_any_handler_still_answers_an_api_path_in_json(world, monkeypatch,
                                                                         caplog):
    # A middleware that fails (the session store's database gone): Django's handler500.
    monkeypatch.setattr(SessionMiddleware, "process_request", _failing)
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="pledgedesk.api"):
        api_response = client.get("/api/v1/tickets",
                                  headers={"Authorization": f"Bearer {world.api('agent').token}"})
        page_response = client.get("/portal/")

    assert _logged(caplog, _assert_internal_error(api_response))
    assert page_response.status_code == 500
    assert not page_response["Content-Type"].startswith("application/json")


def test_every_operation_documents_its_500_and_422_shapes(world):
    schema = world.api("agent").get("openapi.json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, component in (("422", "ValidationErrorOut"),
                                      ("500", "InternalErrorOut")):
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith(f"/{component}"), (method, path, status)
    codes = schema["components"]["schemas"]["ErrorCode"]["enum"]
    assert sorted(codes) == sorted(ErrorCode)
