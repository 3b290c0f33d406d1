"""The portal's Authorised personnel page says what intake does (issue 16): an organisation
whose policy lets any contact file is told so, and nobody it marks "No" then files without a
hold; under FG-10's rule the page keeps its list, and "No" means a request waits."""

import re

import pytest

from tests.pages import FG, RK, open_ticket, organisation, person

pytestmark = pytest.mark.django_db


def row_of(page: str, name: str) -> str:
    return re.search(rf"<tr>\s*<td>{name}.*?</tr>", page, re.S).group(0)


def test_any_contact_may_file_says_so_and_marks_nobody_no(client, at_now):
    org = organisation(RK, timezone="America/Chicago", country="US")
    primary = person(org, role="primary", name="Pat Primary")
    uma = person(org, authorised=False, name="Uma Underwood")
    client.force_login(primary.user)

    page = client.get("/portal/people/").content.decode()
    filed = open_ticket(org, uma)

    assert "any contact of" in page and "may open tickets" in page
    assert "Only the people on this list may open tickets" not in page
    assert "Requests waiting for your confirmation" not in page
    assert "<td>Yes</td>" in row_of(page, "Uma Underwood")
    assert filed.hold == ""  # what the page said


def test_authorised_personnel_rule_keeps_the_list_and_says_a_request_waits(client, at_now):
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = person(org, role="primary", name="Paula Price")
    person(org, authorised=False, name="Uma Underwood")
    client.force_login(primary.user)

    page = client.get("/portal/people/").content.decode()

    assert "Only the people on this list may open tickets" in page
    assert "No: a request waits for your confirmation" in row_of(page, "Uma Underwood")
