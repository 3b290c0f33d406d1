"""An FG desk with an on-call schedule: two engineers rotating weekly (Monday 08:00 Central)
on a primary layer, the other one on a secondary layer, and a support lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from pledgedesk.oncall.models import Schedule
from pledgedesk.oncall.schedules import LayerSpec, ScheduleSpec, layer_save, schedule_create
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

FG = "fax-server-24x7"
CHICAGO = "America/Chicago"
# Saturday 2026-01-10 02:00 Central (08:00 UTC): after hours.
SATURDAY_2AM = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


@dataclass
class Desk:
    org: object
    requester: object
    eve: object
    fay: object
    lead: object
    schedule: Schedule

    def ticket(self, *, channel="portal", priority="urgent", at=SATURDAY_2AM, subject="Down"):
        return ticket_create(new=NewTicket(
            organisation=self.org, requester=self.requester, subject=subject,
            description="All fax lines are down", channel=channel, priority=priority), now=at)


def _person(name, email, roles=("engineer",)):
    person = agent(name=name, roles=roles)
    person.user.email = email
    person.user.save(update_fields=["email"])
    return person


@pytest.fixture
def desk(db) -> Desk:
    org = organisation(FG, plans=["24x7"], timezone=CHICAGO, country="US", name="Fax Co")
    requester = contact(org, authorised=True, login=True)
    eve = _person("Eve Engineer", "eve@desk.example")
    fay = _person("Fay Engineer", "fay@desk.example")
    lead = _person("Lee Lead", "lee@desk.example", roles=("support_lead",))
    schedule = schedule_create(actor=lead, policy_key=FG, now=T0, spec=ScheduleSpec(
        name="HelpDesk after hours", zone=CHICAGO, lead_id=lead.pk, ack_timeout_minutes=15,
        repeats=1))
    monday = dict(every=1, unit="weeks", handoff_date=date(2026, 1, 5), handoff_time=time(8))
    layer_save(actor=lead, schedule_id=schedule.pk, now=T0, spec=LayerSpec(
        name="Primary", level=1, member_ids=(eve.pk, fay.pk), **monday))
    layer_save(actor=lead, schedule_id=schedule.pk, now=T0, spec=LayerSpec(
        name="Secondary", level=0, member_ids=(fay.pk, eve.pk), **monday))
    return Desk(org=org, requester=requester, eve=eve, fay=fay, lead=lead, schedule=schedule)
