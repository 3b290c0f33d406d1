"""``pledgedesk manage issue_token``: an operator's way to give an API client a token."""

import io

import pytest
from django.core.management import CommandError, call_command

from pledgedesk.accounts.models import ApiToken
from pledgedesk.accounts.tokens import token_verify
from tests.desk.factories import T0, agent

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
