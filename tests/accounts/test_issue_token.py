"""``pledgedesk manage issue_token``: an operator's way to give an API client a token."""

import io

import pytest
from django.core.management import CommandError, call_command

from pledgedesk.accounts.models import ApiToken
from pledgedesk.accounts.tokens import token_verify
from tests.factories import T0, agent

pytestmark = pytest.mark.django_db


def test_the_printed_token_authenticates_and_is_not_stored():
    engineer = agent()
    out, err = io.StringIO(), io.StringIO()

    call_command("issue_token", engineer.user.username, "--name", "ci", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    assert token_verify(raw, now=T0).user == engineer.user
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert raw not in str(list(ApiToken.objects.values()))
    assert "cannot be shown again" in err.getvalue()


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="no active user named 'ghost'"):
        call_command("issue_token", "ghost", "--name", "ci")


def test_expires_in_days_sets_the_expiry():
    from datetime import timedelta

    from pledgedesk import clock

    engineer = agent()
    out = io.StringIO()

    with clock.use(clock.FixedClock(T0)):
        call_command("issue_token", engineer.user.username, "--name", "ci",
                     "--expires-in", "30", stdout=out, stderr=io.StringIO())

    token = ApiToken.objects.get(user=engineer.user)
    assert token.expires_at == T0 + timedelta(days=30)
    assert token_verify(out.getvalue().strip(), now=T0 + timedelta(days=30)) is None


def test_without_expires_in_the_token_does_not_expire():
    engineer = agent()

    call_command("issue_token", engineer.user.username, "--name", "ci", stdout=io.StringIO(),
                 stderr=io.StringIO())

    assert ApiToken.objects.get(user=engineer.user).expires_at is None


@pytest.mark.parametrize("days", ["0", "-3", "soon", "1.5", "36501"])
def test_a_bad_expires_in_is_a_clear_error(days):
    engineer = agent()

    with pytest.raises(CommandError, match=r"--expires-in"):
        call_command("issue_token", engineer.user.username, "--name", "ci", "--expires-in", days)

    assert not ApiToken.objects.exists()
