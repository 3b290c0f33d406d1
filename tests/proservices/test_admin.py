"""Django admin as one more door onto Professional Services (issue 17), branded like the rest
of admin: an hour bank bought through ``bank_buy`` (RK-10), engagements asked for and moved
through the pipeline's services so a required stage is never skipped (FG-12), exceptions only
with a reason (RL-11), feature-request status through its service (RL-8); time entries and
defects are read only."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.accounts.models import Agent
from pledgedesk.proservices.defects import feature_request_open
from pledgedesk.proservices.models import (
    Engagement,
    EngagementMove,
    FeatureRequest,
    HourBank,
    PolicyException,
    TimeEntry,
)
from pledgedesk.proservices.services import time_log
from tests.pages import FG, NOW, RK, RL, T0, agent, contact, open_ticket, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, at_now):
    """A superuser who is also an agent: the services act in an agent's name."""
    user = User.objects.create_superuser("boss", "boss@example.com", "x")
    Agent.objects.create(user=user, name="Bea Boss", roles=["support_lead"])
    client.force_login(user)
    return user.agent


def test_rk10_an_hour_bank_is_bought_in_admin_through_the_service(client, boss):
    org = organisation(RK, name="Acme")
    form = client.get("/admin/proservices/hourbank/add/").content.decode()
    assert "Pledgedesk administration" in form and "Buy an hour bank" in form
    bad = client.post("/admin/proservices/hourbank/add/", {
        "organisation": org.pk, "tier": "Bronze", "starts_on": "2026-01-05"})
    assert bad.status_code == 200 and "unknown tier" in bad.content.decode()
    done = client.post("/admin/proservices/hourbank/add/", {
        "organisation": org.pk, "tier": "Gold", "starts_on": "2026-01-05"})
    bank = HourBank.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/{bank.pk}/change/")
    assert (bank.minutes_bought, bank.bought_by, bank.ends_on) == (1200, boss, date(2027, 1, 5))
    listed = client.get("/admin/proservices/hourbank/").content.decode()
    assert "20 h 00 min" in listed
    page = client.get(f"/admin/proservices/hourbank/{bank.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # the balance moves only with time, never by hand
    fg = organisation(FG)
    refused = client.post("/admin/proservices/hourbank/add/", {
        "organisation": fg.pk, "tier": "Gold", "starts_on": "2026-01-05"})
    assert "sells no hour banks" in refused.content.decode()
    assert HourBank.objects.count() == 1


def test_rk10_only_agents_buy_banks(client, at_now):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    org = organisation(RK)
    refused = client.post("/admin/proservices/hourbank/add/", {
        "organisation": org.pk, "tier": "Gold", "starts_on": "2026-01-05"})
    assert "only agents may do this" in refused.content.decode()
    assert not HourBank.objects.exists()


def test_time_entries_are_read_only(client, boss):
    org = organisation(RK)
    ticket = open_ticket(org, contact(org), at=T0)
    entry = time_log(ticket=ticket, agent=boss, minutes=20, worked_on=NOW.date(),
                     billable=False, note="Call", now=NOW).entry
    assert client.get("/admin/proservices/timeentry/").status_code == 200
    assert client.get("/admin/proservices/timeentry/add/").status_code == 403
    assert client.post(f"/admin/proservices/timeentry/{entry.pk}/change/",
                       {"minutes": 1}).status_code == 403
    assert client.post(f"/admin/proservices/timeentry/{entry.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert TimeEntry.objects.get().minutes == 20


def test_fg12_engagements_are_asked_for_and_moved_through_the_pipeline(client, boss):
    org = organisation(FG, name="Fax Co", timezone="America/Chicago", country="US")
    asked = client.post("/admin/proservices/engagement/add/", {
        "organisation": org.pk, "kind": "upgrade", "title": "Upgrade to 21.2"})
    made = Engagement.objects.get()
    assert asked.status_code == 302 and made.stage == "requested"
    page = client.get(f"/admin/proservices/engagement/{made.pk}/change/").content.decode()
    move_url = f"/admin/proservices/engagement/{made.pk}/move/"
    assert f'href="{move_url}"' in page
    skipped = client.post(move_url, {"stage": "scheduled", "version": made.version,
                                     "scheduled_at": "2026-01-20 15:00"})
    assert skipped.status_code == 200
    assert "is required before" in skipped.content.decode()
    assert EngagementMove.objects.filter(engagement=made).count() == 1
    missing = client.post(move_url, {"stage": "quoted", "version": made.version})
    assert "needs document" in missing.content.decode()
    moved = client.post(move_url, {"stage": "quoted", "version": made.version,
                                   "document": SimpleUploadedFile("quote.pdf", b"%PDF")})
    assert moved.status_code == 302
    made.refresh_from_db()
    assert made.stage == "quoted"
    move = EngagementMove.objects.get(engagement=made, to_stage="quoted")
    assert move.agent == boss and move.facts == {"document": "quote.pdf"}
    stale = client.post(move_url, {"stage": "quote_signed", "version": 1, "po_number": "PO-1",
                                   "document": SimpleUploadedFile("s.pdf", b"%PDF")})
    assert "changed since you loaded it" in stale.content.decode()
    page = client.get(f"/admin/proservices/engagement/{made.pk}/change/").content.decode()
    assert f"/console/engagements/{made.pk}/documents/" in page and "quote.pdf" in page


def test_rl11_exceptions_need_a_reason_and_rl8_status_goes_through_its_service(client, boss):
    org = organisation(RL)
    ticket = open_ticket(org, contact(org), at=T0)
    empty = client.post("/admin/proservices/policyexception/add/", {
        "organisation": org.pk, "ticket": ticket.number, "kind": "target_waived",
        "reason": "  "})
    assert empty.status_code == 200 and not PolicyException.objects.exists()
    done = client.post("/admin/proservices/policyexception/add/", {
        "organisation": org.pk, "ticket": ticket.number, "kind": "target_waived",
        "reason": "Holiday rush agreed with the owner"})
    assert done.status_code == 302
    made = PolicyException.objects.get()
    assert (made.agent, made.ticket, made.kind) == (boss, ticket, "target_waived")
    other = organisation(RL)
    foreign = client.post("/admin/proservices/policyexception/add/", {
        "organisation": other.pk, "ticket": ticket.number, "kind": "priority",
        "reason": "x"})
    assert "no such ticket for this organisation" in foreign.content.decode()
    owner = agent(groups=("product",))
    request = feature_request_open(ticket=ticket, agent=owner, summary="Bulk export", now=NOW)
    client.post("/admin/proservices/featurerequest/", {
        "action": "status_planned", "_selected_action": [request.pk]})
    assert FeatureRequest.objects.get().status == "planned"
    assert client.get("/admin/proservices/defect/").status_code == 200
    assert client.get("/admin/proservices/defect/add/").status_code == 403
