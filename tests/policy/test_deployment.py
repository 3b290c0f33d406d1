"""Only what the desk can do (issue 21): the page offers a channel, resource, plan or feature
only when this deployment serves it, and ``policy check`` warns, with the key path and exit 0,
about every promise the deployment cannot keep; the format's new keys are checked."""

import pytest

from pledgedesk.cli_policy import main
from pledgedesk.policy import PolicyError, parse_policy
from pledgedesk.policy.deployment import Deployment, lacks, same_number
from pledgedesk.policy.render import render
from tests.policy.helpers import POLICIES, SEEDS, seed
from tests.sla.helpers import CLOCK_POLICY, clock_policy

RK = "crm-severity-colours"
RK_FILE = str(POLICIES / f"{RK}.toml")
EMAIL = "- Email: Write to support@rethinkcrm.com."


def check(capsys, *args) -> tuple[int, list[str]]:
    code = main(["check", *args])
    return code, capsys.readouterr().out.splitlines()


def test_an_email_channel_without_a_mailbox_for_its_address_is_not_offered():
    assert EMAIL not in render(seed(RK))
    assert EMAIL not in render(seed(RK), serves=Deployment(mailboxes=frozenset({"other@x.org"})))
    assert EMAIL in render(seed(RK), serves=Deployment(
        mailboxes=frozenset({"Support@RethinkCRM.com"})))  # addresses compare without case


def test_check_warns_with_the_key_path_about_the_missing_mailbox_and_exits_0(capsys):
    code, lines = check(capsys, RK_FILE)

    assert code == 0
    assert (f"{RK_FILE}:channels.email.address: warning: no mailbox is configured for "
            "support@rethinkcrm.com on this deployment: the page does not offer this channel"
            ) in lines
    assert lines[-1].startswith(f"{RK_FILE}: OK. ")
    assert lines[-1].endswith(f"{len(lines) - 1} warning(s) about what this deployment serves.")


def test_check_learns_the_deployment_from_its_options(capsys):
    code, lines = check(capsys, RK_FILE, "--mailbox", "support@rethinkcrm.com",
                        "--serve", "knowledge_base", "--serve", "hour_banks")

    assert code == 0
    assert lines == [lines[-1]] and ": OK. " in lines[-1] and "warning" not in lines[-1]


def test_render_takes_the_same_options(capsys):
    assert main(["render", RK_FILE, "--mailbox", "support@rethinkcrm.com"]) == 0
    assert EMAIL in capsys.readouterr().out


def test_an_unknown_feature_is_a_usage_error(capsys):
    assert main(["check", RK_FILE, "--serve", "telepathy"]) == 2
    assert "invalid choice: 'telepathy'" in capsys.readouterr().err


@pytest.mark.parametrize("name", SEEDS)
def test_the_warnings_are_exactly_the_channels_the_page_leaves_out(name):
    policy = seed(name)
    warned = {path.split(".")[1] for path, _ in lacks(policy.spec, Deployment())
              if path.startswith("channels.")}
    reach = render(policy).split("## How to reach us", 1)[1].split("\n## ", 1)[0]

    offered = policy.spec.channels.offered()
    served = {offered[k].label for k in offered if k not in warned}
    for key, channel in offered.items():
        # PR's widget and API are one door to the customer, with one label: shown once.
        assert (f"- {channel.label}:" in reach) is (channel.label in served), key


def test_phone_lines_are_served_by_number_whatever_its_spelling():
    fg = seed("fax-server-24x7")
    line = "- Tech help line: Call 952-252-3620."

    assert line not in render(fg)
    assert line in render(fg, serves=Deployment(phone_numbers=frozenset({"+1 (952) 252-3620"})))
    assert same_number("952-252-3620", "19522523620")
    assert not same_number("252-3620", "+1 952 252 3620")  # too short to be the same line


def test_the_widget_chat_and_knowledge_base_appear_only_when_the_deployment_has_them():
    pr, rl = seed("crm-regional"), seed("ecommerce-platform")

    assert "In-platform ticketing" in render(pr)  # through the API, which the desk has
    assert "In-platform ticketing" not in render(pr, serves=Deployment(api=False))
    assert "Live chat" not in render(rl) and "Live chat" in render(rl, serves=Deployment(
        chat=True))
    assert "## Self-help" not in render(rl)
    assert "## Self-help" in render(rl, serves=Deployment(knowledge_base=True))


def test_a_plan_that_needs_paging_is_left_out_with_its_column_and_warned_about():
    fg = seed("fax-server-24x7")
    paths = [path for path, _ in lacks(fg.spec, Deployment())]

    assert "24x7x365 support contract" not in render(fg)
    assert "| Priority | Support contract | 24x7x365 support contract |" in render(
        fg, serves=Deployment(paging=True))
    assert {"plans.24x7.needs.0", "plans.24x7.paging"} <= set(paths)


def test_paging_lines_need_paging_even_on_a_plan_that_does_not_need_it():
    text = CLOCK_POLICY.replace('extends = "standard"\n', 'extends = "standard"\npaging = { '
                                'outside = "hours", priorities = ["high"], channels = '
                                '["portal"], covers = "Outages." }\n', 1)
    policy = clock_policy(text)

    assert "page the on-call engineer" not in render(policy)
    assert "Premium" in render(policy)
    assert "page the on-call engineer" in render(policy, serves=Deployment(paging=True))
    assert ("plans.premium.paging", "this deployment cannot page an on-call engineer: the page "
            "does not offer it") in lacks(policy.spec, Deployment())


# --- the format's new keys, checked with their key paths --------------------------------------


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.toml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("old", "new", "line"), [
    ('timezone = "UTC"\nweekly', 'timezone = "UTC"\nstaffed = false\nweekly',
     "p.toml:policy.hours_calendar: calendar 'hours' has staffed = false: the hours the page "
     "shows must be staffed"),
    ('[channels.portal]', '[channels]\nno_phone_support = true\n[channels.voicemail]\n'
     'label = "Phone"\n[channels.portal]',
     "p.toml:channels.voicemail: no_phone_support = true, yet a phone channel is offered"),
    ('description = "Standard."\ndefault = true', 'description = "Standard."\ndefault = true\n'
     'needs = ["paging"]',
     "p.toml:plans.standard.needs: the default plan is what every customer has: it cannot "
     "need a feature"),
    ('description = "Standard."\ndefault = true', 'description = "Standard."\ndefault = true\n'
     'needs = ["telepathy"]', "p.toml:plans.standard.needs.0: Input should be 'widget', "
     "'chat', 'knowledge_base', 'votes', 'paging' or 'hour_banks'"),
    ('targets.high = { business = "30m" }', 'targets.high = { business = "30m", promise = '
     '"maybe" }', "p.toml:metrics.assignment.targets.high.promise: Input should be 'goal' or "
     "'commitment'"),
    ('targets.high = { business = "30m" }', 'targets.high = { business = "30m", choice = "" }',
     "p.toml:metrics.assignment.targets.high.choice: String should have at least 1 character"),
    ('summary = "For tests."', 'summary = "For tests."\nresources = [{ kind = "training", '
     'label = "T", votes = true }]',
     "p.toml:policy.resources.0.votes: votes are for knowledge base articles only"),
])
def test_the_new_keys_are_checked_with_their_key_paths(old, new, line):
    assert old in CLOCK_POLICY
    assert line in problems(CLOCK_POLICY.replace(old, new, 1))


def test_a_defect_process_needs_a_known_team_and_an_on_hold_status():
    text = CLOCK_POLICY + '\n[defects]\nteam = "nobody"\nwithout_workaround_status = "new"\n'

    found = problems(text)

    assert any(p.startswith("p.toml:defects.team: unknown team 'nobody'") for p in found)
    assert "p.toml:defects.without_workaround_status: status 'new' is not an on_hold status" \
        in found


def test_a_target_is_a_goal_or_a_commitment_per_target_else_as_the_policy_says():
    fg, rl = seed("fax-server-24x7"), seed("ecommerce-platform")

    assert fg.target("first_response", "standard", "urgent").promise == "commitment"
    assert fg.target("first_response", "standard", "medium").is_goal
    assert all(rl.target(m, "standard", p).is_goal
               for m in ("first_response", "follow_up") for p in ("critical", "normal"))
    assert clock_policy().target("assignment", "standard", "high").promise == "commitment"
