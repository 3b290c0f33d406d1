"""Escalation chains in the policy file (issue 15): every mistake named by its key path, the
compiled runtime chain, and the instants its steps fire at (business hours or 24x7)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.calendar import Calendar
from pledgedesk.policy import PolicyError, parse_policy
from pledgedesk.policy.escalation import schedule
from tests.policy.helpers import seed
from tests.sla.helpers import CLOCK_POLICY, clock_policy

CHAIN = """
[escalation_chains.lead]
label = "Lead"
metric = "first_response"
on = "breach"
steps = [{ notify = ["assignee"] }, { wait = "30m" }, { notify = ["group_lead"] }]
"""


def problems(chain: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(CLOCK_POLICY + chain, "p.toml")
    return [str(p) for p in info.value.problems]


def with_chain(chain: str):
    return clock_policy(CLOCK_POLICY + chain)


def test_a_valid_chain_compiles_into_plain_steps():
    chain, = with_chain(CHAIN).escalation_chains
    assert (chain.key, chain.metric, chain.on, chain.calendar) == (
        "lead", "first_response", "breach", "hours")
    assert [(s.number, s.action, s.value, s.wait) for s in chain.steps] == [
        (1, "notify", ("assignee",), timedelta()),
        (2, "notify", ("group_lead",), timedelta(minutes=30))]


@pytest.mark.parametrize("chain, expected", [
    (CHAIN.replace('metric = "first_response"', 'metric = "first_reply"'),
     "p.toml:escalation_chains.lead.metric: Input should be 'assignment', 'first_response', "
     "'follow_up' or 'resolution'"),
    (CHAIN.replace('on = "breach"', 'on = "late"'),
     "p.toml:escalation_chains.lead.on: Input should be 'warning' or 'breach'"),
    (CHAIN.replace('metric = "first_response"', 'metric = "follow_up"').replace(
        'on = "breach"', 'on = "warning"'),
     "p.toml:escalation_chains.lead.on: metric 'follow_up' has no warn_before, so a chain on "
     "its warning would never run: add warn_before to [metrics.follow_up] or use "
     "on = \"breach\""),
    (CHAIN.replace('on = "breach"', 'on = "breach"\npriorities = ["urgent"]'),
     "p.toml:escalation_chains.lead.priorities.0: unknown priority 'urgent' (known: high, "
     "normal, low)"),
    (CHAIN.replace('on = "breach"', 'on = "breach"\nplans = ["gold"]'),
     "p.toml:escalation_chains.lead.plans.0: unknown plan 'gold' (known: standard, premium)"),
    (CHAIN.replace('on = "breach"', 'on = "breach"\ncalendar = "nights"'),
     "p.toml:escalation_chains.lead.calendar: unknown calendar 'nights' (known: hours, "
     "always)"),
    (CHAIN.replace('on = "breach"', 'on = "breach"\nhours = "weekdays"'),
     "p.toml:escalation_chains.lead.hours: Input should be 'business' or '24x7'"),
    (CHAIN.replace('{ wait = "30m" }', '{ wait = "30m", notify = ["assignee"] }'),
     "p.toml:escalation_chains.lead.steps.1: a step is exactly one of wait, repeat, notify, "
     "notify_on_call, notify_group, webhook, reassign, raise_priority, page, update_customer "
     "(found wait, notify)"),
    (CHAIN.replace('{ wait = "30m" }', '{ hours = "24x7" }'),
     "p.toml:escalation_chains.lead.steps.1: a step is exactly one of wait, repeat, notify, "
     "notify_on_call, notify_group, webhook, reassign, raise_priority, page, update_customer "
     "(found none of them)"),
    (CHAIN.replace('{ wait = "30m" }', '{ wait = "half an hour" }'),
     "p.toml:escalation_chains.lead.steps.1.wait: cannot read duration 'half an hour': write a "
     "number and a unit m, h or d, e.g. \"30m\", \"2h\", \"1h30m\""),
    (CHAIN.replace('notify = ["assignee"]', 'notify = ["cto"]'),
     "p.toml:escalation_chains.lead.steps.0.notify.0: Input should be 'assignee', "
     "'group_lead', 'account_manager', 'dedicated_representative', 'senior_technician' or "
     "'support_lead'"),
    (CHAIN.replace('notify = ["assignee"]', "notify = []"),
     "p.toml:escalation_chains.lead.steps.0.notify: Tuple should have at least 1 item after "
     "validation, not 0"),
    (CHAIN.replace('notify = ["assignee"]', 'notify_group = "night_shift"'),
     "p.toml:escalation_chains.lead.steps.0.notify_group: unknown team 'night_shift' "
     "(known: support, ticket_group)"),
    (CHAIN.replace('notify = ["assignee"]', 'reassign = { team = "night_shift" }'),
     "p.toml:escalation_chains.lead.steps.0.reassign.team: unknown team 'night_shift' "
     "(known: support)"),
    (CHAIN.replace('notify = ["assignee"]', 'reassign = { team = "support", to = "assignee" }'),
     "p.toml:escalation_chains.lead.steps.0.reassign: reassign is exactly one of to = "
     "\"<person>\" or team = \"<team>\""),
    (CHAIN.replace('notify = ["assignee"]', 'raise_priority = "urgent"'),
     "p.toml:escalation_chains.lead.steps.0.raise_priority: unknown priority 'urgent' "
     "(known: high, normal, low)"),
    (CHAIN.replace('{ notify = ["group_lead"] }', '{ notify = ["group_lead"] }, '
                   '{ wait = "1h" }'),
     "p.toml:escalation_chains.lead.steps.3.wait: a wait at the end of a chain waits for "
     "nothing: remove it"),
    (CHAIN.replace('steps = [{ notify = ["assignee"] }, { wait = "30m" }, '
                   '{ notify = ["group_lead"] }]', "steps = []"),
     "p.toml:escalation_chains.lead.steps: Tuple should have at least 1 item after "
     "validation, not 0"),
    (CHAIN.replace('{ notify = ["assignee"] }, ', '{ repeat = 2 }, '),
     "p.toml:escalation_chains.lead.steps.0.repeat: repeat must be the last step (it runs the "
     "steps before it again)"),
    (CHAIN.replace('{ notify = ["group_lead"] }', '{ notify = ["group_lead"] }, '
                   '{ repeat = 9 }'),
     "p.toml:escalation_chains.lead.steps.3.repeat: Input should be less than or equal to 5"),
    (CHAIN.replace('{ wait = "30m" }, { notify = ["group_lead"] }', '{ repeat = 2 }'),
     "p.toml:escalation_chains.lead.steps.1.repeat: a repeat without a wait would run every "
     "step again at the same instant: add a wait"),
    (CHAIN.replace('notify = ["assignee"]', 'update_customer = "Still on it."').replace(
        '{ notify = ["group_lead"] }', '{ notify = ["group_lead"] }, { repeat = 1 }'),
     "p.toml:escalation_chains.lead.steps.0.update_customer: the customer is updated once per "
     "cycle: a chain that repeats cannot update them"),
    (CHAIN.replace('steps = [{ notify = ["assignee"] }, { wait = "30m" }, '
                   '{ notify = ["group_lead"] }]', 'steps = [{ wait = "1h" }]'),
     "p.toml:escalation_chains.lead.steps: a chain needs at least one action besides waits"),
    (CHAIN.replace('label = "Lead"\n', ""),
     "p.toml:escalation_chains.lead.label: required key is missing"),
    (CHAIN.replace('label = "Lead"', 'label = "Lead"\ncolour = "red"'),
     "p.toml:escalation_chains.lead.colour: unknown key (not part of the policy schema: a "
     "typo?)"),
])
def test_every_mistake_is_named_by_its_key_path(chain, expected):
    assert expected in problems(chain.replace("[escalation_chains.lead]", TEAM
                                              + "[escalation_chains.lead]"))


TEAM = '[teams.support]\nlabel = "Support"\ndescription = "Support."\n\n'


def test_all_mistakes_of_a_file_are_reported_at_once():
    found = problems(CHAIN.replace('on = "breach"', 'on = "breach"\npriorities = ["urgent"]')
                     .replace('notify = ["group_lead"]', 'raise_priority = "top"'))
    assert len(found) == 2


def test_repeat_unrolls_the_steps_before_it():
    chain, = with_chain(CHAIN.replace('{ notify = ["group_lead"] }',
                                      '{ notify = ["group_lead"] }, { repeat = 2 }')
                        ).escalation_chains
    assert [(s.number, s.round, s.value) for s in chain.steps] == [
        (1, 1, ("assignee",)), (2, 1, ("group_lead",)), (3, 2, ("assignee",)),
        (4, 2, ("group_lead",)), (5, 3, ("assignee",)), (6, 3, ("group_lead",))]


def test_chains_match_on_metric_trigger_priority_and_plan_including_extended_plans():
    policy = with_chain(CHAIN.replace('on = "breach"',
                                      'on = "breach"\npriorities = ["high"]\nplans = ["standard"]'))
    assert policy.chains_for(metric="first_response", on="breach", plan="premium",
                             priority="high")  # premium extends standard
    assert not policy.chains_for(metric="first_response", on="breach", plan="standard",
                                 priority="normal")
    assert not policy.chains_for(metric="first_response", on="warning", plan="standard",
                                 priority="high")
    assert not policy.chains_for(metric="resolution", on="breach", plan="standard",
                                 priority="high")


HOURS = Calendar(tz="UTC", weekly={d: [("08:00", "18:00")]
                                   for d in ("mon", "tue", "wed", "thu", "fri")})
FRIDAY_1830 = datetime(2026, 3, 6, 18, 30, tzinfo=UTC)  # closed since 18:00


def test_business_steps_wait_for_the_next_business_morning_and_count_business_time():
    chain, = with_chain(CHAIN).escalation_chains
    fired = schedule(chain, FRIDAY_1830, HOURS)
    # Friday 18:30 breach: the assignee is told Monday 08:00; 30 business minutes later, the
    # lead (Zammad#4432: escalations follow business hours, not the clock).
    assert [at for _step, at in fired] == [datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
                                           datetime(2026, 3, 9, 8, 30, tzinfo=UTC)]


def test_24x7_steps_fire_at_once_and_wait_elapsed_time():
    chain, = with_chain(CHAIN.replace('on = "breach"', 'on = "breach"\nhours = "24x7"')
                        ).escalation_chains
    fired = schedule(chain, FRIDAY_1830, HOURS)
    assert [at for _step, at in fired] == [FRIDAY_1830, FRIDAY_1830 + timedelta(minutes=30)]


def test_a_step_may_fire_24x7_in_a_business_hours_chain():
    chain, = with_chain(CHAIN.replace('{ notify = ["assignee"] }',
                                      '{ notify = ["assignee"], hours = "24x7" }')
                        ).escalation_chains
    fired = schedule(chain, FRIDAY_1830, HOURS)
    assert [at for _step, at in fired] == [FRIDAY_1830, datetime(2026, 3, 9, 8, 30, tzinfo=UTC)]


def test_elapsed_waits_are_real_time_across_a_dst_change():
    chain, = with_chain(CHAIN.replace('on = "breach"', 'on = "breach"\nhours = "24x7"')
                        .replace('wait = "30m"', 'wait = "24h"')).escalation_chains
    before = datetime(2026, 3, 7, 12, 0, tzinfo=ZoneInfo("America/New_York"))  # DST on the 8th
    (_, first), (_, second) = schedule(chain, before, HOURS)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=24)
    assert second.hour == 13  # 24 real hours later reads 13:00 on the clock


@pytest.mark.parametrize("name", ["crm-severity-colours", "crm-named-severities",
                                  "ecommerce-platform", "fax-server-24x7", "crm-regional"])
def test_every_seed_has_chains_that_compile(name):
    assert seed(name).escalation_chains


def test_rl_3_the_assignee_is_reminded_at_the_follow_up_warning():
    rl = seed("ecommerce-platform")
    reminder, = rl.chains_for(metric="follow_up", on="warning", plan="standard",
                              priority="critical")
    assert [(s.action, s.value) for s in reminder.steps] == [("notify", ("assignee",))]
    assert rl.spec.metrics.follow_up.warn_before == timedelta(minutes=30)


def test_pr_5_enterprise_breach_tells_the_representative_and_raises_priority():
    pr = seed("crm-regional")
    keys = {c.key for c in pr.chains_for(metric="first_response", on="breach",
                                         plan="enterprise", priority="normal")}
    assert keys == {"enterprise_response_missed"}
    assert not pr.chains_for(metric="first_response", on="breach", plan="standard",
                             priority="normal")


def test_pr_10_still_working_update_in_the_policy_words_once():
    chain, = seed("crm-regional").chains_for(metric="follow_up", on="breach",
                                             plan="standard", priority="normal")
    assert chain.steps[0].action == "update_customer"
    assert chain.steps[0].value.startswith("We are still working on your request")
    assert all(s.round == 1 for s in chain.steps)
