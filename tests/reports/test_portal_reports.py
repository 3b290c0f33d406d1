"""The portal's "Promises kept": an organisation's primary contact sees their own compliance
in the policy's words, never another organisation's; nobody else sees the page."""

from __future__ import annotations

import re

import pytest

from pledgedesk import clock
from pledgedesk.accounts.models import Organisation
from tests.pages import person, staff
from tests.reports.desk import LATER, build

pytestmark = pytest.mark.django_db
PAGE = "/portal/promises-kept/"


@pytest.fixture
def desk():
    with clock.use(clock.FixedClock(LATER)):
        a, b, _ = build()
        yield a, b


def _primary(org):
    contact = person(org)
    Organisation.objects.filter(pk=org.pk).update(primary_contact=contact)
    return contact


def _rows(text):
    return re.findall(r'<tr data-metric="([^"]+)" data-priority="[^"]+">(.*?)</tr>', text, re.S)


def test_the_primary_contact_sees_their_own_promises_in_the_policys_words(client, desk):
    a, _ = desk
    client.force_login(_primary(a).user)
    text = client.get(PAGE).content.decode()
    rows = dict(_rows(text))
    cells = [re.sub(r"<[^>]+>", "", c).strip()
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows["first_response"], re.S)]
    # The last 90 days hold t5 too: t1 kept; t2, t3, t5 missed; t4 excluded (RK-4).
    assert cells[3:] == ["4", "1", "3", "1", "25.0 %"]
    assert "(goal)" in cells[2]
    assert sorted(rows) == ["first_response", "resolution"]


def test_another_organisations_primary_contact_sees_only_their_own(client, desk):
    _, b = desk
    client.force_login(_primary(b).user)
    text = client.get(PAGE).content.decode()
    assert [m for m, _ in _rows(text)] == ["first_response"]  # t6 alone
    assert "<td>1</td><td>1</td><td>0</td><td>0</td>" in text


@pytest.mark.parametrize("who", ["requester", "administrator"])
def test_no_one_else_in_the_organisation_sees_it(client, desk, who):
    a, _ = desk
    _primary(a)
    someone = person(a) if who == "requester" else person(a, role="administrator")
    client.force_login(someone.user)
    assert client.get(PAGE).status_code == 404


def test_an_agent_is_sent_to_the_portal_sign_in(client, desk):
    client.force_login(staff(roles=("support_lead",)).user)
    assert client.get(PAGE).status_code == 302
