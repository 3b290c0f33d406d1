"""API tokens: hashed at rest, shown once, revocable; the 401 shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from pledgedesk.accounts.models import ApiToken
from pledgedesk.accounts.tokens import token_digest, token_issue, token_revoke, token_verify
from pledgedesk.errors import InvalidInput
from tests.api.conftest import Api
from tests.factories import T0, agent

pytestmark = pytest.mark.django_db


def test_the_database_never_holds_the_raw_token():
    issued = token_issue(user=agent().user, name="ci", now=T0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    secret = issued.raw.split("_", 2)[2]  # the secret itself may contain "_"
    assert issued.raw not in stored and secret not in stored
    assert issued.token.digest == token_digest(issued.raw)
    assert len(issued.token.digest) == 64
    assert issued.raw.startswith(f"pdk_{issued.token.prefix}_")


def test_verify_finds_the_token_and_records_its_use():
    issued = token_issue(user=agent().user, name="ci", now=T0)

    found = token_verify(issued.raw, now=T0 + timedelta(hours=1))

    assert found == issued.token
    assert ApiToken.objects.get(pk=found.pk).last_used_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize("mangle", [
    lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # wrong secret, right prefix
    lambda raw: raw.replace("pdk_", "pdx_"),
    lambda raw: raw + "x",
    lambda raw: "",
    lambda raw: "pdk_000000000000_" + "a" * 43,
])
def test_wrong_tokens_do_not_verify(mangle):
    issued = token_issue(user=agent().user, name="ci", now=T0)

    assert token_verify(mangle(issued.raw), now=T0) is None


def test_revoked_token_stops_working_at_once():
    issued = token_issue(user=agent().user, name="ci", now=T0)

    token_revoke(token=issued.token, now=T0 + timedelta(minutes=1))
    token_revoke(token=issued.token, now=T0 + timedelta(minutes=2))

    assert token_verify(issued.raw, now=T0 + timedelta(minutes=3)) is None
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at == T0 + timedelta(minutes=1)


def test_token_needs_a_name():
    with pytest.raises(InvalidInput) as raised:
        token_issue(user=agent().user, name="  ", now=T0)

    assert raised.value.field == "name"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz",
                                    "Token pdk_x"])
def test_missing_or_bad_credentials_are_401_with_the_error_shape(db, header):
    api = Api(None)
    headers = {"Authorization": header} if header else {}

    response = api.get("tickets", headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated", "field": None,
        "message": "a valid API token is required: Authorization: Bearer <token>"}


def test_inactive_user_and_user_who_is_nobody_are_401(db):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody")
    engineer = agent()
    engineer.user.is_active = False
    engineer.user.save()

    for user in (nobody, engineer.user):
        api = Api(token_issue(user=user, name="x", now=T0).raw)
        assert api.get("tickets").status_code == 401


def test_deactivated_agent_is_401(db):
    engineer = agent()
    api = Api(token_issue(user=engineer.user, name="x", now=T0).raw)
    engineer.active = False
    engineer.save()

    assert api.get("tickets").status_code == 401


def test_csrf_does_not_apply_to_token_requests(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/tickets/{world.ticket.number}/notes", '{"body": "x"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.api('agent').token}"})

    assert response.status_code == 201
