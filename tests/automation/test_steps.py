"""Every kind of escalation step, run through the outbox on a policy whose chain uses them all:
each is an event saying who was told, how and why, and a page is never claimed."""

import ipaddress
import shutil
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from pledgedesk.oncall.models import Page
from pledgedesk.oncall.schedules import LayerSpec, ScheduleSpec, layer_save, schedule_create
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from pledgedesk.webhooks.services import subscription_create
from tests.automation.helpers import agent, escalation_mail, events, steps, walk
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db

RL = "ecommerce-platform"
MONDAY_9_ET = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
WARNED = MONDAY_9_ET + timedelta(minutes=91)  # first touch (2 h) warned 30 minutes before
CHAIN = """
[escalation_chains.everything]
label = "Everything at once"
metric = "first_response"
on = "warning"
hours = "24x7"
steps = [
  { notify_group = "support" },
  { notify_on_call = "Night desk" },
  { webhook = true },
  { reassign = { team = "product" } },
  { raise_priority = "critical" },
  { page = true },
]
"""


@pytest.fixture
def policies(settings, tmp_path: Path):
    for path in Path(django_settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    with (tmp_path / f"{RL}.toml").open("a") as rl:
        rl.write(CHAIN)
    settings.PLEDGEDESK_POLICY_DIR = str(tmp_path)


@pytest.fixture
def desk(policies):
    org = organisation(RL)
    sam = agent("Sam Support", groups=("support",))
    agent("Pat Product", groups=("product",))
    owl = agent("Owl Oncall")
    lead = agent("Lee Lead", roles=("support_lead",))
    schedule = schedule_create(actor=lead, policy_key=RL, now=MONDAY_9_ET, spec=ScheduleSpec(
        name="Night desk", zone="America/New_York", lead_id=lead.pk, ack_timeout_minutes=15,
        repeats=0))
    layer_save(actor=lead, schedule_id=schedule.pk, now=MONDAY_9_ET, spec=LayerSpec(
        name="Primary", level=1, member_ids=(owl.pk,), every=1, unit="weeks",
        handoff_date=date(2026, 2, 23), handoff_time=time(8)))
    ticket = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Slow", description="x", channel="portal",
                                         priority="normal"), now=MONDAY_9_ET)
    return ticket, sam, owl


def test_every_step_kind_is_an_event_saying_who_how_and_why(desk, settings):
    ticket, sam, owl = desk
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"),)
    admin = agent("Ada Admin", roles=("administrator",))
    hook = subscription_create(agent=admin, name="Escalations", url="http://127.0.0.1:9/hook",
                               events=["escalation_step"], include_internal=True,
                               now=MONDAY_9_ET).subscription
    walk(WARNED)
    everything = [s for s in steps(ticket) if s[0] == "everything"]
    assert [(s[2], s[3], s[4]) for s in everything] == [
        ("notify_group", "sent", ["Sam Support"]),
        ("notify_on_call", "sent", ["Owl Oncall"]),
        ("webhook", "offered", None),
        ("reassign", "changed", None),
        ("raise_priority", "changed", None),
        ("page", "requested", None),
    ]
    first = next(e for e in events(ticket, "escalation_step")
                 if e.new["chain"] == "everything")
    assert first.new["why"] == "First touch target due soon"
    assert first.new["how"] == "email" and first.actor_agent is None
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.group.key, ticket.priority) == ("product", "critical")
    assert {m.to[0] for m in escalation_mail()} >= {sam.user.email, owl.user.email}
    page = Page.objects.get(ticket=ticket)
    assert page.source.startswith("esc:")
    # The history says a page was asked for; whether anyone was paged is the on-call
    # module's own event, written only once a notification went out.
    assert events(ticket, "escalation_step")[-1].new["page"] == page.pk
    # The webhook step's event (like every step's) reaches the subscriptions that chose it,
    # signed, through the outbox.
    webhook_step = next(e for e in events(ticket, "escalation_step")
                        if e.new["action"] == "webhook")
    assert Delivery.objects.filter(topic="webhook",
                                   key=f"webhook:{hook.pk}:{webhook_step.pk}").exists()


def test_without_paging_the_history_says_nobody_was_paged(desk, monkeypatch):
    ticket, _sam, _owl = desk
    monkeypatch.setitem(sys.modules, "pledgedesk.oncall.services", None)  # import fails
    walk(WARNED)
    page_step, = [e for e in events(ticket, "escalation_step") if e.new["action"] == "page"]
    assert page_step.new["outcome"] == "not_configured"
    assert "nobody was paged" in page_step.new["detail"]
    assert not Page.objects.filter(ticket=ticket).exists()


def test_an_unknown_on_call_schedule_tells_nobody_and_says_so(policies, tmp_path):
    text = (tmp_path / f"{RL}.toml").read_text().replace('"Night desk"', '"Nobody here"')
    (tmp_path / f"{RL}.toml").write_text(text)
    org = organisation(RL)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Slow", description="x", channel="portal",
                                         priority="normal"), now=MONDAY_9_ET)
    walk(WARNED)
    step, = [e for e in events(ticket, "escalation_step")
             if e.new["action"] == "notify_on_call"]
    assert step.new["outcome"] == "not_configured"
    assert step.new["told"] == []
