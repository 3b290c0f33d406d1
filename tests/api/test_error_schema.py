"""Every error the API gives is the one its OpenAPI schema declares for that operation and
status, checked with a JSON Schema validator over bad requests to every operation: what
schemathesis's response-conformance check asks, in seconds (issue 13: 1,763 failures where
422 bodies lacked the ``errors`` their schema declares). ``benchmarks/fuzz_api.py`` runs
schemathesis itself against a live server for a set time."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def openapi(world):
    return world.api("agent").get("openapi.json").json()


def _operations(openapi):
    for template, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield template, method, operation


def _url(template: str, value) -> str:
    return re.sub(r"\{[^}]+\}", str(value), template)


def _conforms(openapi, template, method, response):
    """The response's status is declared for the operation and its body matches the schema."""
    declared = openapi["paths"][template][method]["responses"]
    where = f"{method.upper()} {template} -> {response.status_code}"
    assert str(response.status_code) in declared, f"{where}: status not declared"
    content = declared[str(response.status_code)]["content"]
    assert response["Content-Type"].split(";")[0] in content, where
    schema = content["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": openapi["components"]})
    body = response.json()
    problems = [e.message for e in validator.iter_errors(body)]
    assert problems == [], f"{where}: {problems} in {body}"
    return body


def _send(api, method, url, body=None, headers=None):
    if method == "get":
        return api.get(url, headers=headers)
    if method == "post" and url.endswith("/attachments"):
        return api.client.post(f"/api/v1/{url}", {"nope": "x"},
                               headers=api._headers(headers))  # multipart without a file
    return getattr(api, method)(url, body, headers=headers)


AGENTS_ONLY = {("post", "tickets/{number}/notes"): {"body": "x"},
               ("post", "tickets/{number}/calls"): {"summary": "x"},
               ("post", "tickets/{number}/exclusions"): {"reason": "third_party"},
               ("patch", "tickets/{number}"): {"priority": "red", "version": 1},
               ("get", "timers/breaching"): None}


def test_every_operation_answers_bad_requests_as_its_schema_says(world, openapi):
    agent, contact, anonymous = world.api("agent"), world.api("requester"), world.api("anonymous")
    n = world.ticket.number
    seen: dict[int, int] = {}

    for template, method, _ in _operations(openapi):
        path = template.removeprefix("/api/v1/")
        cases = [
            (anonymous, _url(path, n), None),  # 401
            (agent, _url(path, 0), None),  # 422: a path number out of bounds
            (agent, _url(path, 2**63 - 1), None),  # 404: no such ticket or attachment
        ]
        if method in ("post", "patch"):
            cases += [(agent, _url(path, n), {"no_such_field": 1}),  # 422 from the schema
                      (agent, _url(path, n), {"body": 5, "reason": 5, "subject": 5})]
        if (method, path) in AGENTS_ONLY:  # 403: a contact who sees the ticket
            cases.append((contact, _url(path, n), AGENTS_ONLY[method, path]))
        for api, url, body in cases:
            response = _send(api, method, url, body)
            if response.status_code < 400:
                continue  # a bad request that is not one here (an empty optional body)
            _conforms(openapi, template, method, response)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1

    assert {401, 403, 404, 422} <= set(seen), seen


@pytest.mark.parametrize(("method", "template", "body", "status"), [
    # 422 raised by a service, not the schema: the shape must still carry ``errors``.
    ("post", "/api/v1/tickets", {"subject": "x", "priority": "purple"}, 422),
    ("post", "/api/v1/tickets/{number}/exclusions", {"reason": "no_such_reason"}, 422),
    ("patch", "/api/v1/tickets/{number}", {"priority": "purple", "version": 1}, 422),
    ("patch", "/api/v1/tickets/{number}", {"priority": "red"}, 428),
    ("patch", "/api/v1/tickets/{number}", {"priority": "red", "version": 99}, 409),
    ("get", "/api/v1/tickets?cursor=forged", None, 422),
    ("get", "/api/v1/timers/breaching?within=0", None, 422),
])
def test_service_and_state_errors_match_the_schema(world, openapi, method, template, body,
                                                    status):
    path = template.split("?")[0]
    url = _url(template.removeprefix("/api/v1/"), world.ticket.number)

    response = _send(world.api("agent"), method, url, body)

    assert response.status_code == status, response.content
    found = _conforms(openapi, path, method, response)
    if status == 422:
        assert found["errors"] and found["errors"][0]["field"] == found["field"]


def test_malformed_and_oversized_bodies_match_the_schema(world, openapi, settings):
    api = world.api("agent")
    malformed = api.raw("post", "tickets", "{not json")
    settings.PLEDGEDESK_MAX_BODY_BYTES = 100
    too_large = api.post("tickets", {"subject": "x" * 200})

    assert _conforms(openapi, "/api/v1/tickets", "post", malformed)["code"] == "malformed_json"
    assert _conforms(openapi, "/api/v1/tickets", "post", too_large)["code"] == "too_large"


def test_a_500_matches_the_schema(world, openapi, monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr("pledgedesk.api.tickets.ticket_queue", fail)

    response = world.api("agent").get("tickets")

    assert _conforms(openapi, "/api/v1/tickets", "get", response)["code"] == "internal_error"
