"""Whole scenarios walked forward with an injected clock: the worker's sweep every so often,
then the outbox drained at that instant, as ``pledgedesk worker`` would (issue 15)."""

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk.channels.models import OutboundMessage
from pledgedesk.console.history import describe
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_update,
)
from pledgedesk.versions.policies import policy_for
from tests.automation.helpers import agent, escalation_mail, events, steps, walk
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
RL, PR, RK, FG = "ecommerce-platform", "crm-regional", "crm-severity-colours", "fax-server-24x7"
MONDAY_9_ET = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # RareLogic opens (US Eastern)


def open_ticket(org, requester, *, priority, channel="portal", at):
    return ticket_create(new=NewTicket(organisation=org, requester=requester, subject="Down",
                                       description="Checkout fails", channel=channel,
                                       priority=priority), now=at)


@pytest.fixture
def rl():
    org = organisation(RL)
    erin = agent("Erin Engineer")
    lead = agent("Lea Lead", roles=("support_lead",))
    return org, contact(org), erin, lead


def first_touch(ticket, engineer, at):
    console = Actor(channel="console", agent=engineer)
    ticket = ticket_update(ticket=ticket, actor=console, change=Change(assignee=engineer),
                           expected_version=None, now=at)
    ticket_reply(ticket=ticket, actor=console, body="Looking into it", expected_version=None,
                 now=at)
    return Ticket.objects.get(pk=ticket.pk)


def test_rl_3_critical_follow_up_reminds_the_assignee_then_escalates_the_breach(rl):
    org, requester, erin, lead = rl
    ticket = open_ticket(org, requester, priority="critical", at=MONDAY_9_ET)
    # RL-2: first touch at 09:30 ET; the Critical follow-up (RL-3, limit 4 business hours)
    # is due 13:30 ET, its warning (warn_before 30m) at 13:00 ET = 18:00 UTC.
    ticket = first_touch(ticket, erin, MONDAY_9_ET + 30 * M)

    walk(MONDAY_9_ET + 3 * 60 * M + 59 * M)
    assert events(ticket, "sla_warning") == []

    walk(MONDAY_9_ET + 4 * 60 * M + M)
    warning, = events(ticket, "sla_warning")
    assert warning.new["metric"] == "follow_up"
    assert warning.new["instant"] == "2026-03-02T18:00:00+00:00"
    assert warning.actor_agent is None and warning.channel == "automation"
    assert steps(ticket) == [("follow_up_reminder", 1, "notify", "sent", ["Erin Engineer"])]
    reminder, = escalation_mail()
    assert reminder.to == ["erin.engineer@desk.example"]
    assert "Follow-up due soon" in reminder.subject

    walk(MONDAY_9_ET + 4 * 60 * M + 31 * M)  # 13:31 ET: the follow-up is late
    breach, = events(ticket, "sla_breached")
    assert breach.new["instant"] == "2026-03-02T18:30:00+00:00"
    assert Ticket.objects.get(pk=ticket.pk).timers.get(metric="follow_up").state == "breached"
    assert steps(ticket)[1:] == [("critical_follow_up_missed", 1, "notify", "sent",
                                  ["Erin Engineer", "Lea Lead"])]

    walk(MONDAY_9_ET + 5 * 60 * M + 31 * M)  # one business hour later: the support lead
    assert steps(ticket)[2:] == [
        ("critical_follow_up_missed", 2, "notify", "sent", ["Lea Lead"]),
        ("critical_follow_up_missed", 3, "reassign", "changed", ["Lea Lead"])]
    ticket.refresh_from_db()
    assert ticket.assignee == lead
    handover = events(ticket, "assigned")[-1]
    assert handover.channel == "automation" and handover.actor_agent is None

    # The console's history says who was told, how and why.
    policy = policy_for(ticket.policy_version)
    assert [describe(e, policy, {}) for e in events(ticket, "escalation_step")][:2] == [
        'Escalation "Follow-up due soon" step 1: told Erin Engineer by email (Follow-up '
        "target due soon).",
        'Escalation "Critical follow-up missed" step 1: told Erin Engineer, Lea Lead by email '
        "(Follow-up target missed)."]
    assert describe(breach, policy, {}) == "SLA target missed: Follow-up"

    walk(MONDAY_9_ET + 6 * 60 * M)
    assert len(events(ticket, "sla_warning")) == len(events(ticket, "sla_breached")) == 1
    assert len(steps(ticket)) == 4
    assert len(escalation_mail()) == 3


def test_pr_5_enterprise_breach_tells_the_representative_and_raises_priority():
    org = organisation(PR, plans=("enterprise",), timezone="America/New_York", country="US")
    dana = agent("Dana Rep")
    alex = agent("Alex Manager", roles=("account_manager",))
    lead = agent("Lou Lead", roles=("support_lead",))
    org.dedicated_representative, org.account_manager = dana, alex
    org.save()
    monday_10 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
    ticket = open_ticket(org, contact(org), priority="normal", channel="widget", at=monday_10)
    # Enterprise Normal response: 4 support hours (our target), due 14:00, warned at 12:00.

    walk(monday_10 + 2 * 60 * M + M)
    assert [e.new["metric"] for e in events(ticket, "sla_warning")] == ["first_response"]
    assert steps(ticket) == [("response_reminder", 1, "notify", "nobody", []),
                             ("response_reminder", 2, "notify_group", "nobody", [])]

    walk(monday_10 + 4 * 60 * M + M)
    assert steps(ticket)[2:] == [
        ("enterprise_response_missed", 1, "notify", "sent", ["Dana Rep", "Alex Manager"]),
        ("enterprise_response_missed", 2, "raise_priority", "changed", None)]
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    raised = events(ticket, "priority_changed")[-1]
    assert raised.new == {"priority": "high"} and raised.channel == "automation"
    told = {tuple(m.to) for m in escalation_mail()}
    assert told == {("dana.rep@desk.example", "alex.manager@desk.example")}

    walk(monday_10 + 5 * 60 * M + 2 * M)  # an hour of support hours later: the lead
    assert steps(ticket)[4:] == [("enterprise_response_missed", 3, "notify", "sent",
                                  ["Lou Lead"])]
    # The raised priority made the clock late further back; that is no new breach (the same
    # cycle), and the high-impact chain (PR-6) only runs for tickets high when they breach.
    assert len(events(ticket, "sla_breached")) == 1
    assert "high_impact_missed" not in {s[0] for s in steps(ticket)}
    assert escalation_mail()[-1].to == [lead.user.email]


def test_pr_10_the_customer_is_told_we_are_still_working_once_per_cycle():
    org = organisation(PR, timezone="America/New_York", country="US")
    requester = contact(org)
    erin = agent("Erin Engineer")
    monday_10 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    ticket = open_ticket(org, requester, priority="normal", channel="widget", at=monday_10)
    ticket = first_touch(ticket, erin, monday_10 + 30 * M)
    # Follow-up: 24 hours of business days (PR-10, our interval): due Tuesday 10:30.

    walk(monday_10 + 24 * 60 * M + 31 * M)
    walk(monday_10 + 26 * 60 * M)

    update, = events(ticket, "customer_updated")
    assert update.new["text"].startswith("We are still working on your request")
    mails = [m for m in escalation_mail() if m.to == [requester.emails.get().address]]
    assert len(mails) == 1 and mails[0].body == update.new["text"]
    assert Ticket.objects.get(pk=ticket.pk).timers.get(metric="follow_up").state == "breached"
    # Issue 15: the update continues the ticket's mail thread, after the acknowledgement and
    # Erin's reply, as the desk's other outbound mail does.
    thread = [m.message_id for m in OutboundMessage.objects.filter(ticket=ticket)
              .order_by("created_at", "pk")]
    assert len(thread) == 2
    headers = mails[0].extra_headers
    assert headers["In-Reply-To"] == f"<{thread[-1]}>"
    assert headers["References"] == " ".join(f"<{i}>" for i in thread)


def test_a_reopened_ticket_never_fires_its_old_breach_at_once():
    # osTicket#5955. RK-3 Red: resolved within 1 business day (08:00-17:00 US Central).
    org = organisation(RK)
    admin = contact(org, role="administrator")
    engineer = agent("Erin Engineer")
    monday_9_ct = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    ticket = open_ticket(org, admin, priority="red", at=monday_9_ct)
    ticket_reply(ticket=ticket, actor=Actor(channel="console", agent=engineer), body="Fixed",
                 change=Change(status="solved"), expected_version=None,
                 now=monday_9_ct + 60 * M)
    walk(monday_9_ct + 24 * 60 * M + M)  # Tuesday 09:01: the old due instant has passed
    assert events(ticket, "sla_breached") == []

    wednesday = monday_9_ct + 2 * 24 * 60 * M
    ticket_reopen(ticket=ticket, actor=Actor(channel="portal", contact=admin), now=wednesday)
    walk(wednesday + M)
    walk(wednesday + 60 * M)
    assert events(ticket, "sla_breached") == []  # 8 business hours were left, not 0

    walk(wednesday + 8 * 60 * M + M)  # Wednesday 17:00 closes; Thursday 08:00 it is late
    walk(wednesday + 23 * 60 * M + M)
    breach, = events(ticket, "sla_breached")
    assert breach.new["metric"] == "resolution"
    assert breach.new["instant"] == "2026-01-08T14:00:00+00:00"


def test_the_first_escalation_never_fires_at_creation():
    # django-helpdesk#8: a ticket just created has nothing crossed, however soon it is due.
    org = organisation(FG, plans=("24x7",), timezone="America/Chicago", country="US")
    at = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    ticket = open_ticket(org, contact(org, authorised=True), priority="urgent", at=at)
    for later in (0, 1, 5, 14):
        walk(at + later * M)
    assert events(ticket, "sla_warning") == events(ticket, "sla_breached") == []
    walk(at + 16 * M)  # the 30-minute callback warns 15 minutes before (FG-7)
    assert [e.new["metric"] for e in events(ticket, "sla_warning")] == ["first_response"]


def test_business_hours_steps_wait_for_the_next_business_morning(rl):
    org, requester, erin, lead = rl
    friday_noon_et = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    ticket = open_ticket(org, requester, priority="critical", at=friday_noon_et - 30 * M)
    ticket = first_touch(ticket, erin, friday_noon_et)  # follow-up late Friday 16:00 ET

    walk(friday_noon_et + 3 * 60 * M + 31 * M)
    walk(friday_noon_et + 4 * 60 * M + M)
    assert [s[:3] for s in steps(ticket)] == [("follow_up_reminder", 1, "notify"),
                                              ("critical_follow_up_missed", 1, "notify")]
    # The lead's step waits one business hour: 16:01-17:00 Friday is 59 minutes of it, so
    # Monday 09:01 in New York, never the weekend (Zammad#4432): 13:01 UTC, since daylight
    # saving time began on Sunday the 8th.
    for at in (datetime(2026, 3, 7, 12, 0, tzinfo=UTC), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)):
        walk(at)
        assert len(steps(ticket)) == 2
    walk(datetime(2026, 3, 9, 13, 2, tzinfo=UTC))
    assert [s[:3] for s in steps(ticket)[2:]] == [("critical_follow_up_missed", 2, "notify"),
                                                  ("critical_follow_up_missed", 3, "reassign")]
    assert Ticket.objects.get(pk=ticket.pk).assignee == lead


def test_a_warning_after_hours_waits_for_business_time(rl):
    org, requester, erin, _lead = rl
    friday_4pm_et = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
    ticket = open_ticket(org, requester, priority="critical", at=friday_4pm_et - 30 * M)
    ticket = first_touch(ticket, erin, friday_4pm_et)
    # One support hour Friday, three Monday: late Monday 12:00, warned 11:30 in New York
    # (daylight saving time since Sunday: 15:30 UTC), never Friday evening or midnight.
    walk(datetime(2026, 3, 7, 5, 0, tzinfo=UTC))  # Saturday 00:00 ET
    walk(datetime(2026, 3, 9, 15, 29, tzinfo=UTC))
    assert events(ticket, "sla_warning") == []
    walk(datetime(2026, 3, 9, 15, 31, tzinfo=UTC))
    warning, = events(ticket, "sla_warning")
    assert warning.new["instant"] == "2026-03-09T15:30:00+00:00"


def test_a_met_follow_up_stops_the_rest_of_its_chain(rl):
    org, requester, erin, _lead = rl
    ticket = open_ticket(org, requester, priority="critical", at=MONDAY_9_ET)
    ticket = first_touch(ticket, erin, MONDAY_9_ET + 30 * M)
    # The desk's first sweep looks back five minutes only: the breach, not the warning.
    walk(MONDAY_9_ET + 4 * 60 * M + 31 * M)
    assert steps(ticket) == [("critical_follow_up_missed", 1, "notify", "sent",
                              ["Erin Engineer", "Lea Lead"])]
    ticket_reply(ticket=ticket, actor=Actor(channel="console", agent=erin), body="Update",
                 expected_version=None, now=MONDAY_9_ET + 4 * 60 * M + 40 * M)

    walk(MONDAY_9_ET + 6 * 60 * M)  # steps 2 and 3 were due: a new cycle runs, they skip
    assert len(steps(ticket)) == 1
    assert Ticket.objects.get(pk=ticket.pk).assignee == erin
