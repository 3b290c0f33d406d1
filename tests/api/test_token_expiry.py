"""API tokens with an expiry, and when each was last used (recorded at most once a minute)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk import clock
from pledgedesk.accounts.models import ApiToken
from pledgedesk.accounts.tokens import LAST_USED_RESOLUTION, token_issue, token_verify
from pledgedesk.errors import InvalidInput
from tests.api.conftest import Api
from tests.factories import T0, agent

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {"code": "unauthenticated", "field": None,
                   "message": "a valid API token is required: Authorization: Bearer <token>"}


def test_a_token_works_until_it_expires_then_is_401_with_the_error_shape():
    issued = token_issue(user=agent().user, name="ci", now=T0, expires_at=T0 + timedelta(days=1))
    api = Api(issued.raw)

    with clock.use(clock.FixedClock(T0 + timedelta(hours=23))):
        assert api.get("tickets").status_code == 200
    with clock.use(clock.FixedClock(T0 + timedelta(days=1))):
        response = api.get("tickets")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_verify_refuses_an_expired_token():
    issued = token_issue(user=agent().user, name="ci", now=T0, expires_at=T0 + timedelta(days=1))

    assert token_verify(issued.raw, now=T0 + timedelta(days=1) - timedelta(seconds=1))
    assert token_verify(issued.raw, now=T0 + timedelta(days=1)) is None


def test_a_token_without_expiry_keeps_working():
    issued = token_issue(user=agent().user, name="ci", now=T0)

    assert issued.token.expires_at is None
    assert token_verify(issued.raw, now=T0 + timedelta(days=3650)) == issued.token


@pytest.mark.parametrize("expires_at", [T0, T0 - timedelta(seconds=1)])
def test_an_expiry_must_be_in_the_future(expires_at):
    with pytest.raises(InvalidInput) as raised:
        token_issue(user=agent().user, name="ci", now=T0, expires_at=expires_at)

    assert raised.value.field == "expires_at"
    assert not ApiToken.objects.exists()


def test_last_use_is_recorded_at_most_once_a_minute(django_assert_num_queries):
    issued = token_issue(user=agent().user, name="ci", now=T0)
    token_verify(issued.raw, now=T0)

    with django_assert_num_queries(1):  # the look-up only: no write within the minute
        token_verify(issued.raw, now=T0 + LAST_USED_RESOLUTION - timedelta(seconds=1))
    token_verify(issued.raw, now=T0 + LAST_USED_RESOLUTION)

    assert timedelta(minutes=1) >= LAST_USED_RESOLUTION
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == T0 + LAST_USED_RESOLUTION


def test_an_api_call_records_the_last_use(db):
    issued = token_issue(user=agent().user, name="ci", now=T0)

    with clock.use(clock.FixedClock(T0 + timedelta(hours=2))):
        assert Api(issued.raw).get("tickets").status_code == 200

    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == T0 + timedelta(hours=2)
