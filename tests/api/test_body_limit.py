"""The request-body limit and the text limits agree: every body the published schema allows
fits under PLEDGEDESK_MAX_BODY_BYTES however its text is escaped (issue 13: a description at
the 200,000-character limit sent as \\uXXXX escapes was a 413 under a 1 MiB limit)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from pledgedesk.api.errors import max_body_bytes
from pledgedesk.bounds import ESCAPED_BYTES_PER_CHARACTER, MAX_TEXT
from pledgedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
INTEGER = len(str(-(2**63)))  # the longest integer a bounded field can carry


def _resolve(schema: dict, openapi: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _worst_bytes(schema: dict, openapi: dict, where: str) -> int:
    """The most bytes a value of ``schema`` can take as compact JSON, every character escaped
    at its longest (a surrogate pair); a field with no bound fails the test."""
    schema = _resolve(schema, openapi)
    if "anyOf" in schema:
        return max(_worst_bytes(s, openapi, where) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return 2 + sum(len(json.dumps(name)) + 1 + _worst_bytes(s, openapi, f"{where}.{name}")
                       + 1 for name, s in props.items())
    if kind == "array":
        assert "maxItems" in schema, f"{where} has no maxItems"
        item = _worst_bytes(schema["items"], openapi, f"{where}[]")
        return 2 + schema["maxItems"] * (item + 1)
    if kind == "string":
        assert "maxLength" in schema or "pattern" in schema, f"{where} has no maxLength"
        return 2 + ESCAPED_BYTES_PER_CHARACTER * schema.get("maxLength", 50)
    if kind == "integer":
        return INTEGER
    if kind == "boolean":
        return len("false")
    if kind == "null":
        return len("null")
    raise AssertionError(f"{where}: no bound for {schema}")


def test_every_schema_valid_body_fits_under_the_body_limit(world):
    openapi = world.api("agent").get("openapi.json").json()
    bodies = {}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                bodies[f"{method} {path}"] = _worst_bytes(schema, openapi, path)

    assert len(bodies) >= 8
    largest = max(bodies.values())
    assert largest <= max_body_bytes(), bodies
    assert largest > 1024 * 1024  # what the old 1 MiB limit refused
    # Django reads the body before our parser sees it: its own limit must not be lower.
    assert max_body_bytes() <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_description_at_the_limit_in_surrogate_escapes_is_accepted(world):
    description = "\U0001f600" * MAX_TEXT  # json.dumps sends each as \\ud83d\\ude00
    raw = json.dumps({"subject": "Emoji", "description": description})
    assert len(raw) > 2 * 1024 * 1024

    response = world.api("requester").raw("post", "tickets", raw)

    assert response.status_code == 201, response.content[:300]
    stored = Ticket.objects.get(number=response.json()["number"])
    assert stored.description == description


def test_one_character_past_the_limit_is_a_422_not_a_413(world):
    raw = json.dumps({"subject": "Emoji", "description": "\U0001f600" * (MAX_TEXT + 1)})

    response = world.api("requester").raw("post", "tickets", raw)

    assert response.status_code == 422
    assert response.json()["field"] == "description"
