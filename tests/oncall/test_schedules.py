"""Editing schedules (who may), overrides and swaps as agents enter them, the roster and the
feed reading the same timeline as the pager, and which desk a page is routed by."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.oncall import feeds, schedules, selectors
from pledgedesk.oncall.models import FeedToken, Page
from pledgedesk.oncall.schedules import LayerSpec, ScheduleSpec
from tests.factories import agent, contact, organisation
from tests.oncall.conftest import SATURDAY_2AM
from tests.outbox.helpers import drain

NOW = SATURDAY_2AM
NEXT_WEEK = datetime(2026, 1, 12, 14, 0, tzinfo=UTC)  # Monday 08:00 Central


def test_only_leads_and_administrators_edit_schedules(desk):
    with pytest.raises(PermissionDenied):
        schedules.schedule_update(actor=desk.eve, schedule_id=desk.schedule.pk, now=NOW,
                                  spec=ScheduleSpec(name="Mine", zone="UTC"))
    with pytest.raises(PermissionDenied):
        schedules.layer_delete(actor=desk.eve, schedule_id=desk.schedule.pk,
                               layer_id=desk.schedule.layers.first().pk, now=NOW)


@pytest.mark.parametrize(("change", "field"), [
    ({"zone": "Mars/Olympus"}, "zone"),
    ({"name": " "}, "name"),
    ({"ack_timeout_minutes": 0}, "ack_timeout_minutes"),
    ({"repeats": 99}, "repeats"),
    ({"lead_id": 999999}, "lead"),
])
def test_bad_schedule_settings_name_the_field(desk, change, field):
    spec = {"name": "After hours", "zone": "UTC", **change}
    with pytest.raises(InvalidInput) as raised:
        schedules.schedule_update(actor=desk.lead, schedule_id=desk.schedule.pk, now=NOW,
                                  spec=ScheduleSpec(**spec))
    assert raised.value.field == field


def test_one_schedule_per_policy_and_only_known_policies(desk):
    with pytest.raises(Conflict):
        schedules.schedule_create(actor=desk.lead, policy_key="fax-server-24x7", now=NOW,
                                  spec=ScheduleSpec(name="Again", zone="UTC"))
    with pytest.raises(InvalidInput) as raised:
        schedules.schedule_create(actor=desk.lead, policy_key="nope", now=NOW,
                                  spec=ScheduleSpec(name="X", zone="UTC"))
    assert raised.value.field == "policy_key"


@pytest.mark.parametrize(("change", "field"), [
    ({"member_ids": ()}, "members"),
    ({"member_ids": (999999,)}, "members"),
    ({"unit": "months"}, "unit"),
    ({"every": 0}, "every"),
    ({"level": 0}, "level"),  # the secondary layer has it
    ({"restrict_days": (7,), "restrict_start": time(18), "restrict_end": time(8)},
     "restrict_days"),
    ({"restrict_days": (1,)}, "restrict_days"),
])
def test_bad_layers_name_the_field_and_write_nothing(desk, change, field):
    spec = {"name": "Nights", "level": 5, "every": 1, "unit": "weeks",
            "handoff_date": date(2026, 1, 5), "handoff_time": time(8),
            "member_ids": (desk.eve.pk,), **change}
    with pytest.raises(InvalidInput) as raised:
        schedules.layer_save(actor=desk.lead, schedule_id=desk.schedule.pk, now=NOW,
                             spec=LayerSpec(**spec))
    assert raised.value.field == field
    assert desk.schedule.layers.count() == 2


def test_an_agent_overrides_for_themself_and_paging_follows_it(desk):
    with pytest.raises(PermissionDenied):
        schedules.override_create(actor=desk.eve, schedule_id=desk.schedule.pk,
                                  agent_id=desk.fay.pk, start=NOW, end=NOW + timedelta(hours=2),
                                  now=NOW)
    schedules.override_create(actor=desk.fay, schedule_id=desk.schedule.pk, agent_id=desk.fay.pk,
                              start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=2),
                              reason="Eve is at a wedding", now=NOW)
    roster = selectors.roster(desk.schedule, now=NOW)
    assert roster[0].agent == desk.fay and roster[0].shift.source == "override"
    assert roster[1].agent == desk.eve
    ticket = desk.ticket()
    drain(now=NOW)
    assert Page.objects.get(ticket=ticket).responders[0] == desk.fay.pk


def test_a_swap_counts_once_the_other_agent_accepts(desk):
    week = (NEXT_WEEK - timedelta(days=7), NEXT_WEEK + timedelta(days=7))
    swap = schedules.swap_propose(actor=desk.eve, schedule_id=desk.schedule.pk,
                                  first_id=desk.eve.pk, second_id=desk.fay.pk,
                                  start=NOW, end=week[1], now=NOW)
    assert selectors.roster(desk.schedule, now=NOW)[0].agent == desk.eve  # proposed only
    with pytest.raises(PermissionDenied):
        schedules.swap_decide(actor=desk.eve, schedule_id=desk.schedule.pk, swap_id=swap.pk,
                              accept=True, now=NOW)
    schedules.swap_decide(actor=desk.fay, schedule_id=desk.schedule.pk, swap_id=swap.pk,
                          accept=True, now=NOW)
    roster = selectors.roster(desk.schedule, now=NOW, days=14)
    assert [(r.agent.name, r.start) for r in roster[:2]] == [
        ("Fay Engineer", NOW), ("Eve Engineer", NEXT_WEEK)]
    with pytest.raises(Conflict):
        schedules.swap_decide(actor=desk.fay, schedule_id=desk.schedule.pk, swap_id=swap.pk,
                              accept=False, now=NOW)


def test_a_period_that_ended_or_is_backwards_is_refused(desk):
    with pytest.raises(InvalidInput) as raised:
        schedules.override_create(actor=desk.eve, schedule_id=desk.schedule.pk,
                                  agent_id=desk.eve.pk, start=NOW, end=NOW - timedelta(hours=1),
                                  now=NOW)
    assert raised.value.field == "end"
    with pytest.raises(InvalidInput):
        schedules.swap_propose(actor=desk.eve, schedule_id=desk.schedule.pk,
                               first_id=desk.eve.pk, second_id=desk.eve.pk, start=NOW,
                               end=NOW + timedelta(days=1), now=NOW)


def test_the_roster_shows_local_times_with_the_zone_and_reports_future_gaps(desk):
    schedules.layer_delete(actor=desk.lead, schedule_id=desk.schedule.pk,
                           layer_id=desk.schedule.layers.get(level=0).pk, now=NOW)
    schedules.layer_save(
        actor=desk.lead, schedule_id=desk.schedule.pk, now=NOW,
        layer_id=desk.schedule.layers.get(level=1).pk,
        spec=LayerSpec(name="Nights", level=1, every=1, unit="weeks",
                       handoff_date=date(2026, 1, 5), handoff_time=time(8),
                       member_ids=(desk.eve.pk, desk.fay.pk), restrict_days=tuple(range(7)),
                       restrict_start=time(18), restrict_end=time(8)))
    roster = selectors.roster(desk.schedule, now=NOW, days=2)
    assert roster[0].start_text == "Sat 10 Jan 2026, 02:00 CST"
    assert roster[0].end_text == "Sat 10 Jan 2026, 08:00 CST"
    assert roster[1].agent is None  # nobody during the day: a gap, shown
    assert roster[1].start_text == "Sat 10 Jan 2026, 08:00 CST"


# --- the feed --------------------------------------------------------------------------------


def test_the_feed_parses_back_with_the_same_shifts_as_the_roster(desk):
    schedules.override_create(actor=desk.fay, schedule_id=desk.schedule.pk, agent_id=desk.fay.pk,
                              start=NOW + timedelta(days=1), end=NOW + timedelta(hours=36),
                              now=NOW)  # inside Eve's week: her shift is cut in two
    cal = Calendar.from_ical(feeds.agent_calendar(desk.eve, now=NOW))
    events = [(e.decoded("dtstart"), e.decoded("dtend")) for e in cal.walk("VEVENT")]
    roster = [(r.start, r.end) for r in selectors.roster(desk.schedule, now=NOW, days=28)
              if r.agent == desk.eve]
    # the feed also lists the past fortnight and up to twelve weeks; compare what both cover
    assert _clipped(events) == _clipped(roster)
    assert len(_clipped(events)) == 4
    assert (NOW + timedelta(days=1), NOW + timedelta(hours=36)) not in events
    assert all(str(e["summary"]) == "On call: HelpDesk after hours" for e in cal.walk("VEVENT"))
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids))


def _clipped(spans, days=27):
    lo, hi = NOW, NOW + timedelta(days=days)
    return [(max(a, lo), min(b, hi)) for a, b in spans if a < hi and b > lo]


def test_feed_tokens_are_hashed_at_rest_and_revocable(desk):
    raw = schedules.feed_token_issue(agent=desk.eve, now=NOW)
    row = FeedToken.objects.get(agent=desk.eve)
    assert raw not in row.digest and len(row.digest) == 64
    assert selectors.feed_agent(raw) == desk.eve
    with pytest.raises(NotFound):
        schedules.feed_token_revoke(agent=desk.fay, token_id=row.pk, now=NOW)  # not hers
    schedules.feed_token_revoke(agent=desk.eve, token_id=row.pk, now=NOW)
    with pytest.raises(NotFound):
        selectors.feed_agent(raw)


# --- which desk a page goes to ---------------------------------------------------------------


def test_a_page_goes_to_the_schedule_of_its_own_policy_only(desk):
    other_lead = agent(name="Other Lead", roles=("support_lead",))
    other = schedules.schedule_create(actor=other_lead, policy_key="crm-regional", now=NOW,
                                      spec=ScheduleSpec(name="CRM", zone="UTC",
                                                        lead_id=other_lead.pk))
    schedules.layer_save(actor=other_lead, schedule_id=other.pk, now=NOW, spec=LayerSpec(
        name="All", level=0, every=1, unit="days", handoff_date=date(2026, 1, 1),
        handoff_time=time(0), member_ids=(other_lead.pk,)))
    fg_page_ticket = desk.ticket()
    drain(now=NOW)
    page = Page.objects.get(ticket=fg_page_ticket)
    assert page.schedule == desk.schedule
    assert other_lead.pk not in page.responders
    # the other desk's organisation cannot reach the FG rotation either
    crm = organisation("crm-regional", plans=["enterprise"])
    contact(crm, authorised=True)
    assert selectors.schedule_for_policy(crm.policy_key) == other
