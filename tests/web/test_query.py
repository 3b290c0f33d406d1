"""web.query: the pages parse their query strings with the API's bounds. A value out of bounds
is ignored with a message naming the field and a 400, never a 500 from the database
(issue 13: ``?organisation=9223372036854775808`` on SQLite, ``?status=%00`` on PostgreSQL)."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import hypothesis
import pytest
from django.http import QueryDict
from hypothesis import strategies as st
from pydantic import ValidationError

from pledgedesk.api.tickets import QueueQuery
from pledgedesk.web.query import (
    ConsoleQueueQuery,
    TicketNumberQuery,
    parse_query,
)
from tests.pages import FAST_HASHERS, RK, fixed_clock, open_ticket, organisation, person, staff

HUGE = "9223372036854775808"  # 2**63: past every integer column


def test_values_out_of_bounds_are_dropped_and_named():
    parsed = parse_query(QueryDict(f"organisation={HUGE}&status=%00&priority=red&view=x"
                                   "&breaching=1&utm_source=mail"), ConsoleQueueQuery)

    assert parsed.values == ConsoleQueueQuery(priority="red", breaching=True)
    assert list(parsed.problems) == ["view", "status", "organisation"]
    assert "NUL" in parsed.problems["status"]
    assert "organisation ignored" in parsed.describe()


def test_empty_values_mean_not_given():
    parsed = parse_query(QueryDict("status=&organisation=&cursor="), ConsoleQueueQuery)

    assert parsed.values == ConsoleQueueQuery()
    assert parsed.problems == {}


def _accepts(model, name, value) -> bool:
    try:
        model.model_validate({name: value})
    except ValidationError:
        return False
    return True


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    name=st.sampled_from(["status", "priority", "organisation", "cursor"]),
    value=st.one_of(st.text(max_size=60), st.integers().map(str),
                    st.sampled_from([HUGE, "0", "-1", "\x00", "a" * 50, "a" * 51, "x" * 201])),
)
def test_the_console_takes_exactly_the_values_the_api_takes(name, value):
    assert _accepts(ConsoleQueueQuery, name, value) == _accepts(QueueQuery, name, value)


@pytest.fixture
def desk(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with fixed_clock():
        org = organisation(RK)
        admin = person(org, role="administrator")
        ticket = open_ticket(org, admin)
        yield staff(), admin, ticket


@pytest.fixture
def agent_client(client, desk):
    client.force_login(desk[0].user)
    return client


@pytest.fixture
def contact_client(client, desk):
    client.force_login(desk[1].user)
    return client


@pytest.mark.parametrize(("query", "field"), [
    (f"organisation={HUGE}", "organisation"),  # OverflowError on SQLite before
    ("status=%00", "status"),  # NUL byte: a 500 on PostgreSQL before
    ("priority=%00", "priority"),
    ("organisation=-3", "organisation"),
    ("status=" + "s" * 51, "status"),
    ("view=everything", "view"),
    ("breaching=maybe", "breaching"),
])
def test_a_bad_console_filter_is_a_400_page_that_names_it(agent_client, query, field):
    response = agent_client.get(f"/console/?{query}")

    assert response.status_code == 400
    page = response.content.decode()
    assert f"{field} ignored" in page
    assert 'data-number="' in page  # the queue still shows, without that filter


def test_good_filters_beside_a_bad_one_still_apply(agent_client, desk):
    response = agent_client.get(f"/console/?organisation={HUGE}&status=closed")

    assert response.status_code == 400
    assert 'data-number="' not in response.content.decode()  # status=closed still applied


def test_a_bad_portal_list_option_is_a_400_page_that_names_it(contact_client):
    response = contact_client.get("/portal/?show=%00")

    assert response.status_code == 400
    assert "show ignored" in response.content.decode()


@pytest.mark.parametrize("number", [HUGE, "99999999999999999999999", "\u00b2", "#-4", "0"])
def test_jumping_to_an_impossible_ticket_number_says_so(agent_client, number):
    response = agent_client.get("/console/go/", {"number": number}, follow=True)

    assert response.status_code == 200
    assert "No ticket #" in response.content.decode()


def test_jumping_to_a_ticket_by_number_still_works(agent_client, desk):
    number = desk[2].number

    response = agent_client.get("/console/go/", {"number": f" #{number} "})

    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{number}/"


def test_the_number_bound_is_the_apis():
    assert parse_query({"number": str(2**63 - 1)}, TicketNumberQuery).values.number == 2**63 - 1
    assert parse_query({"number": HUGE}, TicketNumberQuery).problems


NAMES = ["view", "status", "priority", "organisation", "breaching", "escalated", "cursor",
         "show", "number", "next", "x"]
RAW = st.one_of(
    st.binary(max_size=40).map(lambda b: quote_from_bytes(b, safe="")),  # any bytes, escaped
    st.sampled_from([HUGE, "-1", "0", "1", "%00", "%ED%A0%80", "on", "all", "mine", "groups",
                     "%F0%9F%99%82" * 30, "9" * 40]),
)
QUERIES = st.lists(st.tuples(st.sampled_from(NAMES), RAW), max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


@hypothesis.settings(max_examples=120, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(path=st.sampled_from(["/console/", "/console/go/", "/console/?view=groups&"]),
                  query=QUERIES)
def test_no_console_query_gives_a_500(agent_client, path, query):
    sep = "" if path.endswith("&") else "?"

    response = agent_client.get(f"{path}{sep}{query}")

    assert response.status_code in (200, 302, 400, 404), response.status_code


@hypothesis.settings(max_examples=80, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(query=QUERIES)
def test_no_portal_query_gives_a_500(contact_client, query):
    response = contact_client.get(f"/portal/?{query}")

    assert response.status_code in (200, 400, 404), response.status_code
