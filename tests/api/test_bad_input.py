"""Bad input: clear 4xx errors naming the field, never a 500, nothing half-written."""

from __future__ import annotations

import json

import hypothesis
import pytest
from hypothesis import strategies as st

from pledgedesk.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _counts():
    return Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()


@pytest.fixture
def counts_unchanged(world):
    before = _counts()
    yield world
    assert _counts() == before


@pytest.mark.parametrize("raw", ["{bad", '{"subject": "x",}', "\xff\xfe", "{'subject': 1}"])
def test_malformed_json_is_400(counts_unchanged, raw):
    response = counts_unchanged.api("requester").raw("post", "tickets", raw)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert "not valid JSON" in response.json()["message"]


def test_invalid_utf8_body_is_400(counts_unchanged):
    response = counts_unchanged.api("requester").raw("post", "tickets", b'{"subject": "\xff"}')

    assert response.status_code == 400


def test_oversized_json_body_is_413_with_the_limit(counts_unchanged, settings):
    settings.PLEDGEDESK_MAX_BODY_BYTES = 2000
    body = {"subject": "Big", "description": "x" * 3000}

    response = counts_unchanged.api("requester").post("tickets", body)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "2000 bytes" in response.json()["message"]


def test_body_over_djangos_own_limit_is_413_too(counts_unchanged, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    n = counts_unchanged.ticket.number

    response = counts_unchanged.api("agent").post(f"tickets/{n}/notes", {"body": "x" * 2000})

    assert response.status_code == 413


@pytest.mark.parametrize(("path", "body", "field"), [
    ("tickets", {"subject": "x", "severity": "red"}, "severity"),
    ("tickets/{n}/replies", {"body": "x", "internal": True}, "internal"),
    ("tickets/{n}/escalation", {"reason": "x", "urgent": True}, "urgent"),
])
def test_unknown_fields_are_422_naming_them(counts_unchanged, path, body, field):
    url = path.format(n=counts_unchanged.ticket.number)

    response = counts_unchanged.api("requester").post(url, body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["code"] == "invalid"


def test_unknown_field_in_patch_is_422(counts_unchanged):
    response = counts_unchanged.api("agent").patch(
        f"tickets/{counts_unchanged.ticket.number}", {"severity": "red", "version": 1})

    assert response.status_code == 422
    assert response.json()["field"] == "severity"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "subject"),
    ({"subject": 42}, "subject"),
    ({"subject": "x", "priority": "apocalyptic"}, "priority"),
    ({"subject": "x", "priority": ""}, "priority"),
    ({"subject": "x", "cc": "everyone"}, "cc"),
    ({"subject": "x", "cc": [0]}, "cc.0"),
    ({"subject": "x", "cc": [2**70]}, "cc.0"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 251}, "subject"),
    ({"subject": "x", "topic": "t" * 101}, "topic"),
    ({"subject": "x\x00y"}, "subject"),
    ({"subject": "x", "description": "nul \x00 here"}, "description"),
])
def test_invalid_values_are_4xx_naming_the_field(counts_unchanged, body, field):
    response = counts_unchanged.api("requester").post("tickets", body)

    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert field.split(".")[0] in response.json()["message"]


def test_unpaired_surrogate_is_422(counts_unchanged):
    raw = '{"subject": "broken \\ud800 text"}'

    response = counts_unchanged.api("requester").raw("post", "tickets", raw)

    assert response.status_code == 422
    assert response.json()["field"] == "subject"


def test_body_that_is_not_an_object_is_422(counts_unchanged):
    response = counts_unchanged.api("requester").raw("post", "tickets", json.dumps(["x"]))

    assert response.status_code == 422


@pytest.mark.parametrize(("params", "field"), [
    ({"sla_state": "late"}, "sla_state"),
    ({"limit": 0}, "limit"),
    ({"limit": 1000}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"assignee": "someone"}, "assignee"),
    ({"assignee": "9" * 30}, "assignee"),
    ({"organisation": 2**70}, "organisation"),
    ({"breaching_within": 10**12}, "breaching_within"),
    ({"escalated": "maybe"}, "escalated"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "!!!"}, "cursor"),
    ({"status": "\x00"}, "status"),
])
def test_invalid_queue_filters_are_422_naming_the_field(world, params, field):
    response = world.api("agent").get("tickets", params)

    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


@pytest.mark.parametrize("path", ["tickets/0", "tickets/-1", "tickets/abc",
                                  f"tickets/{2**70}", "attachments/0"])
def test_bad_path_numbers_are_422_not_500(world, path):
    response = world.api("agent").get(path)

    assert response.status_code == 422


def test_huge_but_valid_ticket_number_is_404(world):
    response = world.api("agent").get(f"tickets/{2**63 - 1}")

    assert response.status_code == 404


def test_bad_if_match_is_422(world):
    response = world.api("agent").patch(f"tickets/{world.ticket.number}", {"priority": "red"},
                                        headers={"If-Match": "yesterday"})

    assert response.status_code == 422
    assert response.json()["field"] == "If-Match"


@pytest.mark.parametrize("text", [
    "Ünïcödé ☃ 漢字 עברית العربية 🙂👩‍👩‍👧 e\u0301",
    "\u202eevil rtl override",
    "zero\u200bwidth",
])
def test_unicode_round_trips_everywhere(pr_world, text):
    api = pr_world.api("requester")  # PR-6: a policy where the escalation reason is kept

    created = api.post("tickets", {"subject": text[:250], "description": text,
                                   "topic": text[:100]}).json()
    n = created["number"]
    api.post(f"tickets/{n}/replies", {"body": text})
    api.post(f"tickets/{n}/escalation", {"reason": text})

    detail = api.get(f"tickets/{n}").json()
    assert detail["subject"] == text[:250]
    assert detail["description"] == text
    assert detail["topic"] == text[:100]
    messages = api.get(f"tickets/{n}/messages").json()
    assert [m["body"] for m in messages] == [text, text]
    events = api.get(f"tickets/{n}/events").json()
    assert any(e["new"] and e["new"].get("reason") == text for e in events)


HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)>'
           '<a href="javascript:alert(3)" onclick="x()">click</a>'
           '<a href="https://example.com/" style="color:red">ok</a><b>bold</b>'
           '<svg onload=alert(4)></svg><iframe src="https://evil"></iframe>')


def test_html_is_stored_as_given_and_sanitised_on_output(world):
    api = world.api("requester")

    created = api.post("tickets", {"subject": HOSTILE[:250], "description": HOSTILE}).json()
    n = created["number"]
    api.post(f"tickets/{n}/replies", {"body": HOSTILE})

    ticket = Ticket.objects.get(number=n)
    assert ticket.description == HOSTILE  # stored as given
    assert created["description"] == HOSTILE  # returned as stored: clients escape
    for html in [created["description_html"],
                 *(m["body_html"] for m in api.get(f"tickets/{n}/messages").json())]:
        lowered = html.lower()
        for bad in ("<script", "onerror", "onclick", "javascript:", "<svg", "<iframe",
                    "onload", "style=", "alert(1)"):
            assert bad not in lowered, (bad, html)
        assert '<a href="https://example.com/" rel="noopener noreferrer nofollow">ok</a>' \
            in html
        assert "<b>bold</b>" in html


def test_json_responses_are_not_sniffable(world):
    response = world.api("requester").get(f"tickets/{world.ticket.number}")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_html_in_names_comes_back_verbatim_in_json(world):
    # The organisation is called "Acme <Corp>": JSON carries it as data, never as markup.
    response = world.api("requester").get(f"tickets/{world.ticket.number}")

    assert response.json()["organisation"]["name"] == "Acme <Corp>"


def test_wrong_method_is_405_in_the_error_shape(world):
    response = world.api("agent").raw("delete", f"tickets/{world.ticket.number}", "")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)
FIELDS = ["subject", "description", "priority", "topic", "cc", "tags", "channel",
          "organisation", "requester", "status", "assignee", "group", "version", "body",
          "reason", "active", "approve", "summary"]


@hypothesis.settings(max_examples=60, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(
    role=st.sampled_from(["agent", "requester", "outsider"]),
    target=st.sampled_from(["post tickets", "patch tickets/{n}", "post tickets/{n}/replies",
                            "post tickets/{n}/notes", "post tickets/{n}/exclusions",
                            "post tickets/{n}/escalation", "post tickets/{n}/authorisation"]),
    body=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=5),
)
def test_no_body_ever_causes_a_500(world, role, target, body):
    method, path = target.split(" ")
    api = world.api(role)

    response = getattr(api, method)(path.format(n=world.ticket.number), body)

    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert {"code", "message", "field"} <= set(response.json())


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/tickets/1/nope", "/api/v1/"])
def test_unknown_endpoint_is_a_json_404(world, path):
    response = world.api("agent").get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "no_such_endpoint"
