"""The portal's policy page offers only what this deployment serves (issue 21): the same
document model as ``pledgedesk policy render``, filled from ``settings.PLEDGEDESK_SERVES``."""

import pytest

from pledgedesk.policy.deployment import Deployment
from tests.pages import RK

pytestmark = pytest.mark.django_db
PAGE = f"/portal/policy/{RK}/"
EMAIL = "<li>Email: Write to support@rethinkcrm.com."


def test_email_is_not_offered_while_no_mailbox_serves_its_address(client, at_now):
    page = client.get(PAGE).content.decode()

    assert EMAIL not in page
    assert "<li>Help Center: Log in to the Help Center" in page
    assert "<li>We do not provide phone support." in page


def test_email_is_offered_once_a_mailbox_serves_its_address(client, settings, at_now):
    settings.PLEDGEDESK_SERVES = Deployment(mailboxes=frozenset({"support@rethinkcrm.com"}))

    page = client.get(PAGE).content.decode()

    assert EMAIL in page


def test_the_teams_own_choices_are_numbered_notes_on_the_page(client, at_now):
    page = client.get(PAGE).content.decode()

    assert "<li>Monday to Friday, 08:00 to 17:00 US Central time.¹</li>" in page
    assert "<h2>Notes</h2>" in page
    assert "<ol><li>Our pledge says &quot;normal business hours" in page
