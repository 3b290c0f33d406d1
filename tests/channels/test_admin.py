"""Quarantined mail in Django admin: listed with its reason, retried by an action, never
deleted."""

import pytest
from django.contrib.auth import get_user_model

from pledgedesk.accounts.models import ContactEmail
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from tests.channels.mails import mail
from tests.factories import T0, contact, organisation
from tests.pages import fixed_clock

pytestmark = pytest.mark.django_db
URL = "/admin/channels/inboundmessage/"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(user)
    with fixed_clock():
        yield client


def _quarantined() -> InboundMessage:
    row, _ = inbound_store(raw=mail(sender="late@example.com", subject="Lost fax"),
                           mailbox="pipe", now=T0)
    inbound_process(message_id=row.pk, now=T0)
    return InboundMessage.objects.get(pk=row.pk)


def test_held_mail_is_listed_with_its_reason(staff):
    _quarantined()
    page = staff.get(URL, {"state__exact": "held"}).content.decode()
    assert "unknown sender: late@example.com" in page
    assert "Lost fax" in page


def test_the_retry_action_processes_again_after_the_fix(staff):
    row = _quarantined()
    ContactEmail.objects.create(contact=contact(organisation("crm-severity-colours")),
                                address="late@example.com")

    response = staff.post(URL, {"action": "retry", "_selected_action": [row.pk]}, follow=True)

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == "created" and row.ticket is not None
    assert "created" in response.content.decode()


def test_raw_mail_cannot_be_deleted_in_admin(staff):
    row = _quarantined()
    assert staff.post(f"{URL}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert InboundMessage.objects.filter(pk=row.pk).exists()


def test_a_message_opens_in_admin_without_its_raw_bytes_editable(staff):
    row = _quarantined()
    page = staff.get(f"{URL}{row.pk}/change/")
    assert page.status_code == 200
    assert "unknown sender: late@example.com" in page.content.decode()
