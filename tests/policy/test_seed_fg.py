"""policies/fax-server-24x7.toml expresses seed 003 (FG-1 .. FG-13)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.policy import Location, PolicyInputError
from pledgedesk.sla import Assigned, Created, PriorityChanged, Ticket, TimerState, evaluate
from tests.policy.helpers import seed

CT = ZoneInfo("America/Chicago")
PT = ZoneInfo("America/Los_Angeles")
CHICAGO = Ticket(timezone="America/Chicago")


def at(day, hour, minute=0, tz=CT):
    return datetime(2026, 3, day, hour, minute, tzinfo=tz)


def fg():
    return seed("fax-server-24x7")


def run(events, now, ticket=CHICAGO):
    return evaluate(fg(), ticket, events, now)


def test_fg_1_helpdesk_hours_in_each_customers_own_zone():
    created = [Created(at(2, 16, 30), "portal")]          # 16:30 Chicago = 14:30 Pacific
    chicago = run(created, at(2, 16, 31))["first_response"]
    pacific = run(created, at(2, 16, 31), Ticket(timezone="America/Los_Angeles"))[
        "first_response"]
    assert chicago.due == at(3, 9, 30)                   # 30 min today, 1h30 tomorrow
    assert pacific.due == at(2, 16, 30, PT)              # 2h inside the Pacific day


def test_fg_1_the_zone_is_required():
    with pytest.raises(PolicyInputError, match="--timezone"):
        evaluate(fg(), Ticket(), [Created(at(2, 10), "portal")], at(2, 11))


def test_fg_2_portal_sets_the_priority():
    assert fg().intake(channel="portal", plan="standard", requested="high").priority == "high"


def test_fg_3_email_cannot_set_priority_default_medium_applies():
    intake = fg().intake(channel="email", plan="standard", requested="urgent")
    assert intake.priority == "medium"
    assert intake.notes == ("channel email cannot set a priority; the default medium applies "
                            "instead of urgent",)


def test_fg_4_voicemail_knows_only_the_number_and_needs_a_lookup():
    assert fg().needs_account_lookup("voicemail")
    assert not fg().needs_account_lookup("portal")
    assert not fg().spec.channels.voicemail.sets_priority


def test_fg_5_priorities_and_engineers_may_change_them():
    assert fg().priority_keys == ("urgent", "high", "medium", "low")
    assert fg().default_priority == "medium"
    events = [Created(at(2, 10), "email"), PriorityChanged(at(2, 10, 5), "urgent")]
    timer = run(events, at(2, 10, 10))["first_response"]
    assert timer.priority == "urgent"
    assert timer.due == at(2, 10, 30)


def test_fg_6_same_priority_first_come_first_served():
    assert fg().queue_key("medium", at(2, 9)) < fg().queue_key("medium", at(2, 10))


def test_fg_7_assignment_in_30_minutes_callback_medium_2h_urgent_30m():
    medium = run([Created(at(2, 10), "portal")], at(2, 10, 1))
    assert medium["assignment"].due == at(2, 10, 30)
    assert medium["first_response"].due == at(2, 12)
    urgent = run([Created(at(2, 10), "portal", priority="urgent")], at(2, 10, 1))
    assert urgent["first_response"].due == at(2, 10, 30)
    events = [Created(at(2, 10), "portal"), Assigned(at(2, 10, 20))]
    assert run(events, at(2, 11))["assignment"].state == TimerState.MET


@pytest.mark.parametrize(("plan", "priority", "channel", "when", "pages"), [
    ("24x7", "urgent", "portal", at(2, 20), True),      # after hours, urgent portal ticket
    ("24x7", "urgent", "hotline", at(7, 3), True),      # Saturday night, private hotline
    ("24x7", "urgent", "email", at(2, 20), False),      # email never pages
    ("24x7", "high", "portal", at(2, 20), False),       # non-urgent waits for 08:00
    ("24x7", "urgent", "portal", at(2, 10), False),     # in hours, the HelpDesk is there
    ("standard", "urgent", "portal", at(2, 20), False),  # no 24x7 contract
    ("standard", "urgent", "hotline", at(2, 20), False),  # the hotline is a 24x7 benefit
])
def test_fg_8_after_hours_paging(plan, priority, channel, when, pages):
    assert fg().page_on_call(plan=plan, priority=priority, channel=channel, at=when,
                             location=Location(timezone="America/Chicago")) is pages


def test_fg_8_urgent_24x7_ticket_after_hours_gets_a_prompt_callback():
    timer = run([Created(at(2, 20), "portal", priority="urgent", plan="24x7")],
                at(2, 20, 1))["first_response"]
    assert timer.due == at(2, 20, 30)
    assert timer.calendar == "always"


def test_fg_8_non_urgent_24x7_ticket_waits_for_8_next_business_day():
    timer = run([Created(at(2, 20), "portal", priority="high", plan="24x7")],
                at(2, 20, 1))["first_response"]
    assert timer.due == at(3, 9)


def test_fg_8_hotline_opens_urgent_tickets_and_24x7_covers_production_only():
    assert fg().intake(channel="hotline", plan="24x7", requested=None).priority == "urgent"
    paging = fg().paging_plan("24x7")
    assert "production" in paging.covers and "installs" in paging.covers


def test_fg_9_without_24x7_after_hours_callback_next_business_day():
    timer = run([Created(at(6, 19), "portal", priority="urgent")], at(6, 19, 1))[
        "first_response"]
    assert timer.due == at(9, 8, 30)


def test_fg_10_only_authorised_personnel_and_primary_contact_adds_people():
    intake = fg().spec.intake
    assert intake.who_may_open == "authorised_personnel"
    assert intake.access_granted_by == "primary contact"
    assert intake.temporary_access_confirmed_by == "primary contact"


def test_fg_11_engineers_rotate_after_hours_on_call():
    assert "rotate" in fg().paging_plan("24x7").rotation


def test_fg_12_professional_services_quote_to_dedicated_engineer():
    team = fg().spec.teams["professional_services"]
    assert team.paid
    assert len(team.process) == 5
    assert fg().out_of_scope_route("Health checks", "24x7") == (True, "professional_services")


def test_fg_13_unlimited_tickets():
    assert fg().spec.intake.unlimited_tickets


def test_fg_2_a_portal_request_carries_priority_descriptions_and_attachments():
    assert fg().spec.channels.portal.fields == (
        "Priority", "Brief Description", "Detailed Description", "attachments")
