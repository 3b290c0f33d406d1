"""tickets: agents edit CCs with the RK-2 flag following the Administrator (``ticket_set_cc``),
who an escalated ticket reaches (PR-5, PR-6: ``ticket_escalation_contacts``), and the clocks
of a voicemail ticket through its account look-up (FG-4)."""

from datetime import timedelta

import pytest

from pledgedesk.accounts.models import AgentGroup
from pledgedesk.errors import Conflict, InvalidInput, PermissionDenied
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.selectors import escalation_team, ticket_escalation_contacts
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_identify_requester,
    ticket_request_escalation,
    ticket_set_cc,
    ticket_set_exclusion,
    ticket_update,
)
from pledgedesk.versions.policies import policy_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK, FG, PR = "crm-severity-colours", "fax-server-24x7", "crm-regional"


def _by(someone) -> Actor:
    return Actor(channel="web", agent=someone)


def _rk_ticket(**kwargs):
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = contact(org, role="administrator")
    requester = contact(org)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                         subject="Reports empty", description="x",
                                         channel="portal", **kwargs), now=T0)
    return org, admin, requester, ticket


# --- RK-2: CCs -------------------------------------------------------------------------------


def test_rk2_copying_the_administrator_clears_the_flag_from_that_instant():
    _org, admin, _, ticket = _rk_ticket()
    assert ticket.exclusions == ["administrator_not_included"]
    later = T0 + timedelta(hours=2)

    ticket = ticket_set_cc(ticket=ticket, actor=_by(agent()), cc=[admin],
                           expected_version=ticket.version, now=later)

    assert ticket.exclusions == [] and ticket.administrator_not_included is False
    assert list(ticket.cc.all()) == [admin]
    assert ticket.version == 2
    kinds = list(ticket.events.order_by("id").values_list("kind", "new"))
    assert kinds[-2:] == [("cc_changed", {"cc": [admin.pk]}),
                          ("exclusion_cleared", {"reason": "administrator_not_included"})]
    assert ticket.events.get(kind="exclusion_cleared").at == later


def test_rk2_taking_the_administrator_out_flags_the_ticket_again():
    _org, admin, _, ticket = _rk_ticket()
    lead = agent()
    ticket = ticket_set_cc(ticket=ticket, actor=_by(lead), cc=[admin], expected_version=None,
                           now=T0 + timedelta(hours=1))

    ticket = ticket_set_cc(ticket=ticket, actor=_by(lead), cc=[], expected_version=None,
                           now=T0 + timedelta(hours=2))

    assert ticket.exclusions == ["administrator_not_included"]
    assert Ticket.objects.get(pk=ticket.pk).administrator_not_included is True
    assert ticket.cc.count() == 0


def test_rk2_a_cc_change_not_about_the_administrator_leaves_a_hand_cleared_exclusion():
    org, _admin, _, ticket = _rk_ticket()
    engineer = agent()
    ticket_set_exclusion(ticket=ticket, actor=_by(engineer), reason="administrator_not_included",
                         active=False, expected_version=None, now=T0)

    ticket = ticket_set_cc(ticket=ticket, actor=_by(engineer), cc=[contact(org)],
                           expected_version=None, now=T0 + timedelta(hours=1))

    assert ticket.exclusions == []
    assert not ticket.events.filter(kind="exclusion_set").exclude(at=T0).exists()


def test_rk2_the_same_cc_again_changes_nothing():
    _org, admin, _, ticket = _rk_ticket()
    ticket = ticket_set_cc(ticket=ticket, actor=_by(agent()), cc=[admin],
                           expected_version=None, now=T0)

    again = ticket_set_cc(ticket=ticket, actor=_by(agent()), cc=[admin, admin],
                          expected_version=ticket.version, now=T0 + timedelta(hours=1))

    assert again.version == ticket.version
    assert ticket.events.filter(kind="cc_changed").count() == 1


def test_rk2_only_contacts_of_the_tickets_organisation_can_be_copied():
    _, _, _, ticket = _rk_ticket()
    stranger = contact(organisation(RK))

    with pytest.raises(InvalidInput) as raised:
        ticket_set_cc(ticket=ticket, actor=_by(agent()), cc=[stranger], expected_version=None,
                      now=T0)

    assert raised.value.field == "cc"
    assert ticket.cc.count() == 0


def test_rk2_a_contact_cannot_edit_ccs_and_a_stale_version_is_a_conflict():
    _, admin, requester, ticket = _rk_ticket()

    with pytest.raises(PermissionDenied):
        ticket_set_cc(ticket=ticket, actor=Actor(channel="portal", contact=requester),
                      cc=[admin], expected_version=None, now=T0)
    with pytest.raises(Conflict):
        ticket_set_cc(ticket=ticket, actor=_by(agent()), cc=[admin], expected_version=7,
                      now=T0)


# --- RK-9: the topic set by an agent routes like one chosen at intake -------------------------


def test_rk9_an_agent_setting_an_out_of_scope_topic_routes_it_to_product_services():
    AgentGroup.objects.create(key="product_services", name="Product Services")
    _, _, _, ticket = _rk_ticket()

    ticket = ticket_update(ticket=ticket, actor=_by(agent()),
                           change=Change(topic="Creating a new field"), expected_version=None,
                           now=T0)

    assert ticket.out_of_scope is True
    assert ticket.group.key == "product_services"
    assert ticket.events.filter(kind="group_changed").exists()


def test_rk9_an_agents_own_group_choice_wins_over_the_topics_route():
    AgentGroup.objects.create(key="product_services", name="Product Services")
    support = AgentGroup.objects.create(key="support", name="Support")
    _, _, _, ticket = _rk_ticket()

    ticket = ticket_update(ticket=ticket, actor=_by(agent()),
                           change=Change(topic="Creating a new field", group=support),
                           expected_version=None, now=T0)

    assert ticket.out_of_scope is True and ticket.group == support


# --- PR-5, PR-6: who an escalation reaches --------------------------------------------------


def _pr_escalated(*, representative=None):
    org = organisation(PR, plans=("enterprise",), timezone="Europe/Berlin", country="DE")
    if representative is not None:
        org.dedicated_representative = representative
        org.save()
    requester = contact(org)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                         subject="Import fails", description="x",
                                         channel="widget"), now=T0)
    ticket = ticket_request_escalation(ticket=ticket, actor=Actor("widget", contact=requester),
                                       reason="Month-end close", now=T0)
    return requester, Ticket.objects.select_related("organisation", "group").get(pk=ticket.pk)


def test_pr5_an_enterprise_escalation_reaches_the_dedicated_representative():
    rep = agent(name="Dana Rep")
    senior = agent(name="Sam Senior", groups=["senior"])
    _, ticket = _pr_escalated(representative=rep)

    found = ticket_escalation_contacts(ticket=ticket, policy=policy_for(ticket.policy_version))

    assert found.reaches == [rep]
    assert found.team.key == "senior" and found.team_agents == [senior]
    assert found.reviewer == "a senior technician"


def test_pr6_without_a_representative_it_reaches_the_senior_technicians_the_policy_names():
    senior = agent(name="Sam Senior", groups=["senior"])
    off_duty = agent(name="Off Duty", groups=["senior"])
    off_duty.active = False
    off_duty.save()
    agent(name="Erin Support", groups=["support"])
    _, ticket = _pr_escalated()

    found = ticket_escalation_contacts(ticket=ticket, policy=policy_for(ticket.policy_version))

    assert found.representative is None
    assert found.reaches == [senior]
    assert found.team_label == "Senior technicians"


def test_pr6_a_ticket_without_escalation_reaches_nobody():
    _, ticket = _pr_escalated()
    Ticket.objects.filter(pk=ticket.pk).update(escalation_requested_at=None)
    ticket.refresh_from_db()

    assert ticket_escalation_contacts(ticket=ticket,
                                      policy=policy_for(ticket.policy_version)) is None


def test_escalates_to_follows_the_tickets_team_else_the_first_team_listed():
    org = organisation(RK)
    policy = policy_for(ticket_create(new=NewTicket(
        organisation=org, requester=contact(org), subject="x", description="x",
        channel="portal"), now=T0).policy_version)

    assert escalation_team(policy, None) == "development"  # support is RK's first team
    assert escalation_team(policy, "support") == "development"
    assert escalation_team(policy, "development") is None
    assert escalation_team(policy, "not-a-team") == "development"


# --- FG-4: the account look-up and the clocks -----------------------------------------------


def test_fg4_the_clocks_run_from_the_voicemail_and_the_look_up_does_not_restart_them():
    org = organisation(FG, plans=("24x7",), timezone="America/Chicago", country="US")
    ticket = ticket_create(new=NewTicket(organisation=org, caller_number="+19525550199",
                                         subject="Voicemail", description="",
                                         channel="voicemail"), now=T0)
    before = {t.metric: (t.state, t.due_at) for t in ticket.timers.all()}
    assert ticket.hold == Ticket.Hold.NEEDS_ACCOUNT_LOOKUP
    assert before and all(state == "running" for state, _ in before.values())

    ticket = ticket_identify_requester(ticket=ticket, actor=_by(agent()),
                                       requester=contact(org, authorised=True),
                                       expected_version=None, now=T0 + timedelta(minutes=10))

    after = {t.metric: (t.state, t.due_at) for t in ticket.timers.all()}
    assert after == before  # same due instants: measured from the message, not the look-up
    assert ticket.hold == ""
