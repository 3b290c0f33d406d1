"""``/`` sends people to their side of the desk."""

import pytest

from tests.pages import FG, organisation, person, staff

pytestmark = pytest.mark.django_db


def test_a_signed_in_contact_lands_on_the_portal(client):
    client.force_login(person(organisation(FG)).user)

    assert client.get("/")["Location"] == "/portal/"


def test_a_signed_in_agent_lands_on_the_console(client):
    client.force_login(staff().user)

    assert client.get("/")["Location"] == "/console/"


def test_visitors_choose_a_door(client):
    page = client.get("/").content.decode()

    assert 'href="/portal/sign-in/"' in page and 'href="/console/sign-in/"' in page
