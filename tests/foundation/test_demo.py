"""``pledgedesk demo`` opens on a populated desk: organisations on the five seed policies,
agents, contacts who can sign in, and tickets in every status and SLA state, made through the
services at past instants. Seeding twice changes nothing."""

import pytest
from django.contrib.auth import authenticate

from pledgedesk import demo
from pledgedesk.accounts.models import Agent, ContactPhone, Organisation
from pledgedesk.tickets.models import SlaTimer, Ticket
from tests.pages import FAST_HASHERS, NOW

pytestmark = pytest.mark.django_db

PASSWORD = "demo password for tests"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def test_demo_seeds_a_populated_desk_once():
    """One test on purpose: seeding takes seconds, and running it twice is the point."""
    demo.seed(password=PASSWORD, now=NOW)
    first = Ticket.objects.count()
    demo.seed(password=PASSWORD, now=NOW)

    assert Ticket.objects.count() == first
    assert set(Organisation.objects.values_list("policy_key", flat=True)) == {
        "crm-severity-colours", "crm-named-severities", "ecommerce-platform",
        "fax-server-24x7", "crm-regional"}
    assert Agent.objects.count() == 3
    categories = set(Ticket.objects.values_list("status_category", flat=True))
    states = set(SlaTimer.objects.values_list("state", flat=True))
    assert categories == {"new", "open", "pending", "on_hold", "solved", "closed"}
    assert {"running", "breached", "met", "paused", "excluded", "not_applicable"} <= states
    assert Ticket.objects.filter(hold="awaiting_authorisation").exists()  # FG-10
    assert Ticket.objects.filter(escalation_requested_at__isnull=False).exists()  # PR-6
    assert authenticate(username="maria", password=PASSWORD) is not None
    # Contacts are made by contact_create: their sign-in name is their email address.
    assert authenticate(username=demo.PORTAL_LOGIN, password=PASSWORD) is not None
    # FG-4: every number stored in E.164, however the sample typed it; one voicemail that
    # knows only an unknown caller's number waits for the console's account look-up.
    assert set(ContactPhone.objects.values_list("number", flat=True)) >= {
        "+13125550147", "+14155550142", "+14155550163", "+4930901820"}
    assert Ticket.objects.filter(hold="needs_account_lookup",
                                 caller_number=demo.UNKNOWN_CALLER).count() == 1
    # PR-5: the Enterprise organisation has its dedicated representative.
    assert Organisation.objects.get(name="Initech GmbH").dedicated_representative.name == \
        "Devon Reyes"
