"""Professional Services in the console (issue 17): time on the ticket page with its total and
the bank, courtesy with the warning past the typical limit (RK-11), turning a request into a
case (RK-10), exceptions with reasons (RL-11), buying a bank, the report and the board."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.proservices.engagements import engagement_request
from pledgedesk.proservices.models import HourBank, PolicyException, PsCase, TimeEntry
from pledgedesk.proservices.services import bank_buy
from pledgedesk.tickets.services import Actor
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, RK, T0, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, at_now):
    org = organisation(RK, name="Acme")
    primary = person(org, role="primary")
    agent = staff(name="Pat Services")
    client.force_login(agent.user)
    ticket = open_ticket(org, primary, subject="*Product Services* training", at=T0)
    bank_buy(organisation=org, tier="Silver", starts_on=NOW.date(), agent=agent, now=T0)
    drain(now=T0)
    return org, primary, agent, ticket


def test_the_ticket_page_includes_the_panel_and_the_panel_shows_time_and_bank(client, desk):
    org, _, _, ticket = desk
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert f'hx-get="/console/tickets/{ticket.number}/ps/"' in page
    response = client.post(f"/console/tickets/{ticket.number}/ps/time/", {
        "minutes": "500", "worked_on": "2026-01-05", "billable": "on", "note": "Trained"})
    assert response.status_code == 302
    panel = client.get(f"/console/tickets/{ticket.number}/ps/").content.decode()
    assert "<strong>500 minutes</strong>" in panel and "Professional Services case" in panel
    assert "<strong>1 h 40 min</strong> left" in panel and "below the replenish line" in panel
    assert HourBank.objects.get(organisation=org).balance_minutes == 100


def test_courtesy_time_needs_a_reason_and_warns_past_the_limit(client, desk):
    _, _, _, ticket = desk
    url = f"/console/tickets/{ticket.number}/ps/time/"
    client.post(url, {"minutes": "20", "worked_on": "2026-01-05", "courtesy": "on",
                      "courtesy_reason": ""})
    assert TimeEntry.objects.count() == 0
    page = client.post(url, {"minutes": "20", "worked_on": "2026-01-05", "courtesy": "on",
                             "courtesy_reason": "One-time layout tweak"}, follow=True)
    assert "past the policy" not in page.content.decode()
    page = client.post(url, {"minutes": "15", "worked_on": "2026-01-05", "courtesy": "on",
                             "courtesy_reason": "Follow-up"}, follow=True)
    assert "35 minutes, past the policy&#x27;s typical 30 minutes" in page.content.decode()
    report = client.get("/console/professional-services/report/").content.decode()
    assert "<td>Acme</td><td class=\"num\">35</td><td class=\"num\">1</td>" in report


def test_an_agent_makes_a_case_and_records_an_exception(client, desk):
    org, primary, agent, _ = desk
    plain = open_ticket(org, primary, subject="Add a field please")
    client.post(f"/console/tickets/{plain.number}/ps/case/", {"reason": "Quoted 2 h"})
    assert PsCase.objects.get(ticket=plain).opened_by == agent
    client.post(f"/console/tickets/{plain.number}/ps/exception/",
                {"kind": "target_waived", "reason": ""})
    assert PolicyException.objects.count() == 0
    client.post(f"/console/tickets/{plain.number}/ps/exception/",
                {"kind": "target_waived", "reason": "Customer asked to wait"})
    report = client.get(f"/console/professional-services/report/?agent={agent.pk}")
    assert "Customer asked to wait" in report.content.decode()


def test_buying_a_bank_and_a_bad_tier(client, desk):
    org = desk[0]
    page = client.post(f"/console/organisations/{org.pk}/hour-banks/",
                       {"tier": "Gold", "starts_on": "2026-02-01"})
    assert page.status_code == 302
    assert sorted(HourBank.objects.values_list("tier", flat=True)) == ["Gold", "Silver"]
    bad = client.post(f"/console/organisations/{org.pk}/hour-banks/",
                      {"tier": "Bronze", "starts_on": "2026-02-01"})
    assert bad.status_code == 422 and "unknown tier" in bad.content.decode()


def test_the_board_lists_engagements_by_stage_oldest_first(client, desk):
    fg = organisation(FG, name="Fax Co")
    pm = staff(roles=("project_manager",))
    for title, at in (("Newer", NOW), ("Older", NOW - timedelta(days=3))):
        engagement_request(organisation=fg, kind="install", title=title, ticket=None,
                           actor=Actor(channel="web", agent=pm), now=at)
    page = client.get("/console/engagements/").content.decode()
    requested = page[page.index('data-stage="requested"'):page.index('data-stage="quoted"')]
    assert requested.index("Older") < requested.index("Newer")


def test_a_project_manager_moves_an_engagement_and_a_skip_is_refused(client, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile
    fg = organisation(FG, name="Fax Co")
    pm = staff(roles=("project_manager",), name="Pam Manager")
    made = engagement_request(organisation=fg, kind="patch", title="Patch SR3", ticket=None,
                              actor=Actor(channel="web", agent=pm), now=T0)
    client.force_login(pm.user)
    url = f"/console/engagements/{made.pk}/"
    skipped = client.post(url, {"stage": "scheduled", "scheduled_at": "2026-01-20T15:00"})
    assert skipped.status_code == 422
    assert "is required before" in skipped.content.decode()
    moved = client.post(url, {"stage": "quoted", "version": "1",
                              "document": SimpleUploadedFile("q.pdf", b"%PDF quote")})
    assert moved.status_code == 302
    page = client.get(url).content.decode()
    assert "requested → quoted by Pam Manager" in page
    assert 'aria-current="step">Quoted (current)' in page


def test_defect_and_feature_request_forms_on_the_ticket(client, desk):
    org, primary, _, _ = desk
    staff(groups=("development",))
    plain = open_ticket(org, primary, subject="Dashboards crash")
    panel = client.get(f"/console/tickets/{plain.number}/ps/").content.decode()
    assert "Suspected product defect" in panel and "Take as feature request" in panel
    client.post(f"/console/tickets/{plain.number}/ps/defect/",
                {"reference": "DEV-9", "workaround": ""})
    panel = client.get(f"/console/tickets/{plain.number}/ps/").content.decode()
    assert "Suspected defect: DEV-9 (development, high priority)" in panel
    other = open_ticket(org, primary, subject="Idea")
    client.post(f"/console/tickets/{other.number}/ps/feature/", {"summary": "Dark mode"})
    client.post(f"/console/tickets/{other.number}/ps/feature/", {"status": "planned"})
    panel = client.get(f"/console/tickets/{other.number}/ps/").content.decode()
    assert 'value="planned" selected' in panel
    client.force_login(primary.user)
    page = client.get("/portal/feature-requests/").content.decode()
    assert "Dark mode" in page and "<td>Planned</td>" in page
