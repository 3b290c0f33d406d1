"""The console's API token page: an administrator sees every token (whose, when made, when it
expires, when last used) and revokes them; nobody else may."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.models import ApiToken
from pledgedesk.accounts.tokens import token_issue, token_list, token_revoke_as, token_verify
from pledgedesk.errors import NotFound, PermissionDenied
from tests.pages import FG, NOW, T0, organisation, person, staff

pytestmark = pytest.mark.django_db

PAGE = "/console/tokens/"


@pytest.fixture
def tokens():
    owner = staff()
    used = token_issue(user=owner.user, name="nightly export", now=T0,
                       expires_at=T0 + timedelta(days=90))
    token_verify(used.raw, now=T0 + timedelta(minutes=30))
    idle = token_issue(user=person(organisation(FG)).user, name="customer script", now=T0)
    return used, idle


@pytest.fixture
def administrator():
    return staff(roles=("administrator",))


def _revoke(client, token):
    return client.post(f"{PAGE}{token.token.pk}/revoke/")


def test_an_administrator_sees_every_token_with_its_dates(client, administrator, tokens,
                                                           at_now):
    client.force_login(administrator.user)

    page = client.get(PAGE)

    text = page.content.decode()
    assert page.status_code == 200
    for issued in tokens:
        assert issued.token.name in text
        assert issued.token.prefix in text
        assert issued.token.user.get_username() in text
    assert "2026-04-05" in text  # the expiry
    assert "never" in text.lower()  # the idle token's last use
    assert issued.raw not in text


def test_an_administrator_revokes_a_token_and_it_stops_working(client, administrator, tokens,
                                                                at_now):
    used, idle = tokens
    client.force_login(administrator.user)

    response = _revoke(client, used)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert ApiToken.objects.get(pk=used.token.pk).revoked_at == NOW
    assert token_verify(used.raw, now=NOW) is None
    assert token_verify(idle.raw, now=NOW) is not None
    assert "Revoked" in client.get(PAGE).content.decode()


def test_an_agent_without_the_role_may_neither_list_nor_revoke(client, tokens, at_now):
    used, _ = tokens
    client.force_login(staff(roles=("support_lead",)).user)

    assert client.get(PAGE).status_code == 403
    assert _revoke(client, used).status_code == 403
    assert ApiToken.objects.get(pk=used.token.pk).revoked_at is None


def test_a_contact_or_a_stranger_is_sent_to_sign_in(client, tokens, at_now):
    assert client.get(PAGE)["Location"].startswith("/console/sign-in/")

    client.force_login(person(organisation(FG)).user)

    assert client.get(PAGE)["Location"].startswith("/console/sign-in/")


def test_revoking_needs_a_post_with_csrf(administrator, tokens, at_now):
    from django.test import Client

    used, _ = tokens
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(administrator.user)

    assert strict.get(f"{PAGE}{used.token.pk}/revoke/").status_code == 405
    assert strict.post(f"{PAGE}{used.token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=used.token.pk).revoked_at is None


def test_revoking_an_unknown_token_is_404(client, administrator, at_now):
    client.force_login(administrator.user)

    assert client.post(f"{PAGE}999999/revoke/").status_code == 404


def test_the_services_check_the_role(tokens):
    used, _ = tokens
    engineer = staff()

    with pytest.raises(PermissionDenied):
        token_list(agent=engineer)
    with pytest.raises(PermissionDenied):
        token_revoke_as(agent=engineer, token_id=used.token.pk, now=NOW)
    with pytest.raises(NotFound):
        token_revoke_as(agent=staff(roles=("administrator",)), token_id=0, now=NOW)
    assert ApiToken.objects.get(pk=used.token.pk).revoked_at is None


def test_an_inactive_administrator_is_refused(tokens):
    former = staff(roles=("administrator",))
    former.active = False
    former.save()

    with pytest.raises(PermissionDenied):
        token_list(agent=former)


def test_the_list_puts_live_tokens_first(tokens):
    used, idle = tokens
    token_revoke_as(agent=staff(roles=("administrator",)), token_id=idle.token.pk, now=NOW)

    listed = token_list(agent=staff(roles=("administrator",)))

    assert [t.pk for t in listed] == [used.token.pk, idle.token.pk]
