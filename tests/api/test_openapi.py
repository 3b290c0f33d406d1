"""The OpenAPI schema at /api/v1/openapi.json."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("/api/v1/tickets", "get"), ("/api/v1/tickets", "post"),
    ("/api/v1/tickets/{number}", "get"), ("/api/v1/tickets/{number}", "patch"),
    ("/api/v1/tickets/{number}/replies", "post"), ("/api/v1/tickets/{number}/notes", "post"),
    ("/api/v1/tickets/{number}/calls", "post"),
    ("/api/v1/tickets/{number}/messages", "get"),
    ("/api/v1/tickets/{number}/escalation", "post"),
    ("/api/v1/tickets/{number}/reopen", "post"),
    ("/api/v1/tickets/{number}/exclusions", "post"),
    ("/api/v1/tickets/{number}/authorisation", "post"),
    ("/api/v1/tickets/{number}/identity", "post"),
    ("/api/v1/tickets/{number}/requester", "post"),
    ("/api/v1/tickets/{number}/cc", "put"),
    ("/api/v1/tickets/{number}/timers", "get"), ("/api/v1/tickets/{number}/events", "get"),
    ("/api/v1/tickets/{number}/attachments", "get"),
    ("/api/v1/tickets/{number}/attachments", "post"),
    ("/api/v1/attachments/{attachment_id}", "get"), ("/api/v1/timers/breaching", "get"),
    ("/api/v1/organisations/{org_id}/widget", "get"),
    ("/api/v1/organisations/{org_id}/widget", "put"),
    ("/api/v1/organisations/{org_id}/widget/secret", "post"),
    # webhooks (issue 15)
    ("/api/v1/webhooks", "get"), ("/api/v1/webhooks", "post"),
    ("/api/v1/webhooks/event-types", "get"),
    ("/api/v1/webhooks/{subscription_id}", "get"),
    ("/api/v1/webhooks/{subscription_id}", "patch"),
    ("/api/v1/webhooks/{subscription_id}/rotate", "post"),
    ("/api/v1/webhooks/{subscription_id}/deliveries", "get"),
    ("/api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}", "get"),
    ("/api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/replay", "post"),
    # on-call (FG-8, FG-11)
    ("/api/v1/oncall/schedules", "get"), ("/api/v1/oncall/schedules", "post"),
    ("/api/v1/oncall/schedules/{schedule_id}", "get"),
    ("/api/v1/oncall/schedules/{schedule_id}", "patch"),
    ("/api/v1/oncall/schedules/{schedule_id}/roster", "get"),
    ("/api/v1/oncall/schedules/{schedule_id}/layers", "post"),
    ("/api/v1/oncall/schedules/{schedule_id}/layers/{layer_id}", "put"),
    ("/api/v1/oncall/schedules/{schedule_id}/layers/{layer_id}", "delete"),
    ("/api/v1/oncall/schedules/{schedule_id}/overrides", "post"),
    ("/api/v1/oncall/schedules/{schedule_id}/overrides/{override_id}", "delete"),
    ("/api/v1/oncall/schedules/{schedule_id}/swaps", "post"),
    ("/api/v1/oncall/schedules/{schedule_id}/swaps/{swap_id}/decision", "post"),
    ("/api/v1/oncall/pages", "get"), ("/api/v1/oncall/pages/{page_id}", "get"),
    ("/api/v1/oncall/pages/{page_id}/acknowledge", "post"),
    ("/api/v1/oncall/pages/{page_id}/resolve", "post"),
    ("/api/v1/oncall/me/webhooks", "post"), ("/api/v1/oncall/me/webhooks/{method_id}", "delete"),
    ("/api/v1/oncall/me/feeds", "post"), ("/api/v1/oncall/me/feeds/{feed_id}", "delete"),
    # the outbox and notifications (issues 14, 15)
    ("/api/v1/outbox/failed", "get"), ("/api/v1/outbox/{delivery_id}/retry", "post"),
    ("/api/v1/organisations/{org_id}/policy/versions", "get"),  # PR-9 (issue 18)
    ("/api/v1/inbound-mail", "get"), ("/api/v1/inbound-mail/{message_id}/reprocess", "post"),
    ("/api/v1/inbound-mail/{message_id}/release", "post"),
    ("/api/v1/inbound-mail/{message_id}/refuse", "post"),
    ("/api/v1/notifications", "get"), ("/api/v1/notifications/read", "post"),
    ("/api/v1/notifications/settings", "get"), ("/api/v1/notifications/settings", "put"),
    # search, saved views and bulk actions (issue 16)
    ("/api/v1/search", "get"), ("/api/v1/tickets/bulk", "post"),
    # knowledge base (issue 18)
    ("/api/v1/kb/articles", "get"), ("/api/v1/kb/articles", "post"),
    ("/api/v1/kb/articles/{slug}", "get"), ("/api/v1/kb/articles/{slug}/vote", "post"),
    ("/api/v1/kb/search", "get"), ("/api/v1/kb/report", "get"),
    ("/api/v1/reports/compliance", "get"), ("/api/v1/reports/promises-kept", "get"),
    ("/api/v1/reports/backlog", "get"), ("/api/v1/reports/time", "get"),
    ("/api/v1/reports/trends", "get"),
    ("/api/v1/views", "get"), ("/api/v1/views", "post"),
    ("/api/v1/views/{view_id}", "get"), ("/api/v1/views/{view_id}", "put"),
    ("/api/v1/views/{view_id}", "delete"), ("/api/v1/views/{view_id}/tickets", "get"),
    # macros and merging (issue 16)
    ("/api/v1/macros", "get"), ("/api/v1/macros", "post"),
    ("/api/v1/macros/{macro_id}", "get"), ("/api/v1/macros/{macro_id}", "put"),
    ("/api/v1/macros/{macro_id}", "delete"),
    ("/api/v1/tickets/{number}/macros/{macro_id}", "get"),
    ("/api/v1/tickets/{number}/macros/{macro_id}", "post"),
    ("/api/v1/tickets/{number}/merge", "post"),
    # satisfaction survey (issue 16)
    ("/api/v1/tickets/{number}/survey", "get"), ("/api/v1/tickets/{number}/survey", "post"),
    ("/api/v1/csat/responses", "get"), ("/api/v1/csat/summary", "get"),
    # Professional Services (issue 17)
    ("/api/v1/tickets/{number}/time", "get"), ("/api/v1/tickets/{number}/time", "post"),
    ("/api/v1/tickets/{number}/ps-case", "post"),
    ("/api/v1/organisations/{org_id}/hour-banks", "get"),
    ("/api/v1/organisations/{org_id}/hour-banks", "post"),
    ("/api/v1/organisations/{org_id}/exceptions", "post"), ("/api/v1/exceptions", "get"),
    ("/api/v1/reports/courtesy", "get"),
    ("/api/v1/engagements", "get"), ("/api/v1/engagements", "post"),
    ("/api/v1/engagements/{engagement_id}", "get"),
    ("/api/v1/engagements/{engagement_id}/moves", "post"),
    ("/api/v1/engagements/{engagement_id}/documents/{document_id}", "get"),
    ("/api/v1/feature-requests", "get"), ("/api/v1/feature-requests", "post"),
    ("/api/v1/tickets/{number}/defect", "post"),
    ("/api/v1/tickets/{number}/feature-request", "get"),
    ("/api/v1/tickets/{number}/feature-request", "post"),
    ("/api/v1/tickets/{number}/feature-request/status", "post"),
}


@pytest.fixture
def schema():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_endpoint(schema):
    found = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert found == ENDPOINTS


def test_every_endpoint_requires_the_bearer_token(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    for ops in schema["paths"].values():
        for op in ops.values():
            assert op["security"], op["operationId"]


def test_inputs_forbid_unknown_fields_and_instants_are_date_times(schema):
    components = schema["components"]["schemas"]
    assert components["TicketCreateIn"]["additionalProperties"] is False
    assert components["TicketPatchIn"]["additionalProperties"] is False
    received = components["TicketOut"]["properties"]["received_at"]
    assert received == {"type": "string", "format": "date-time", "title": "Received At"} or \
        received.get("format") == "date-time"


def test_upload_is_described_as_multipart(schema):
    body = schema["paths"]["/api/v1/tickets/{number}/attachments"]["post"]["requestBody"]
    assert "multipart/form-data" in body["content"]
