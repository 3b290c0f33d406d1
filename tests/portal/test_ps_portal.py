"""Professional Services in the portal (issue 17): the primary contact sees their bank, its
statement and the replenish notice (RK-10), follows their engagements and returns the signed
quote with a PO (FG-12); nobody else of theirs, and nobody of another organisation, does."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.proservices.engagements import engagement_request
from pledgedesk.proservices.models import EngagementMove
from pledgedesk.proservices.services import bank_buy, time_log
from pledgedesk.tickets.services import Actor
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, RK, T0, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


def test_the_primary_contact_sees_balance_statement_and_notice(client, at_now):
    org = organisation(RK, name="Acme")
    primary, colleague = person(org, role="primary"), person(org)
    agent = staff()
    bank_buy(organisation=org, tier="Silver", starts_on=NOW.date(), agent=agent, now=T0)
    ticket = open_ticket(org, primary, subject="*Product Services* setup", at=T0)
    drain(now=T0)
    time_log(ticket=ticket, agent=agent, minutes=490, worked_on=NOW.date(), billable=True,
             note="Workflow build", now=NOW)
    client.force_login(primary.user)
    page = client.get("/portal/hour-banks/").content.decode()
    assert "Silver: 1 h 50 min left" in page and "Workflow build" in page
    assert 'id="replenish-' in page and "We told you to replenish on" in page
    assert 'href="/portal/hour-banks/"' in client.get("/portal/").content.decode()
    client.force_login(colleague.user)
    assert client.get("/portal/hour-banks/").status_code == 404
    outsider = person(organisation(RK), role="primary")
    client.force_login(outsider.user)
    other = client.get("/portal/hour-banks/").content.decode()
    assert "Workflow build" not in other and "has no hour bank" in other


def test_the_customer_returns_the_signed_quote_and_sees_only_their_own(client, at_now):
    org = organisation(FG, name="Fax Co", timezone="America/Chicago", country="US")
    primary = person(org, role="primary")
    pm = staff(roles=("project_manager",))
    mine = engagement_request(organisation=org, kind="training", title="Admin training",
                              ticket=None, actor=Actor(channel="web", agent=pm), now=T0)
    theirs = engagement_request(organisation=organisation(FG), kind="install",
                                title="Someone else's", ticket=None,
                                actor=Actor(channel="web", agent=pm), now=T0)
    client.force_login(primary.user)
    listing = client.get("/portal/engagements/").content.decode()
    assert "Admin training" in listing and "Someone else" not in listing
    assert client.get(f"/portal/engagements/{theirs.pk}/").status_code == 404
    page = client.post(f"/portal/engagements/{mine.pk}/", {
        "stage": "quote_signed", "version": "1", "po_number": "PO-42",
        "document": SimpleUploadedFile("signed.pdf", b"%PDF signed")})
    assert page.status_code == 302
    move = EngagementMove.objects.get(engagement=mine, to_stage="quote_signed")
    assert move.contact == primary and move.facts["po_number"] == "PO-42"
    refused = client.post(f"/portal/engagements/{mine.pk}/", {"stage": "done"})
    assert refused.status_code == 422 and "a move for our team" in refused.content.decode()
