"""``policy.queue_order`` (RK-8, RT-4, FG-6): the file may only promise the order the queue
works in, and the policy page says exactly that order (issue 12).

The queue keysets on (priority rank, time received, id) for every policy at once (one agent
queue mixes organisations under different policies), so "priority, then time received" is the
one order a policy can promise; every seed asks for exactly that."""

import pytest

from pledgedesk.policy import PolicyError, parse_policy
from pledgedesk.policy.render import render
from tests.policy.helpers import SEEDS, seed
from tests.sla.helpers import CLOCK_POLICY

WORKED_IN = ("Tickets are worked by priority, highest first; tickets of the same priority in "
             "the order they were received, oldest first.")


def with_order(line: str) -> str:
    anchor = 'hours_calendar = "hours"\n'
    assert anchor in CLOCK_POLICY
    return CLOCK_POLICY.replace(anchor, anchor + line + "\n", 1)


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.toml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("order", ['["received", "priority"]', '["received"]', '["priority"]',
                                   '["priority", "received", "priority"]', "[]"])
def test_an_order_the_queue_does_not_work_in_is_refused_with_its_key_path(order):
    found = problems(with_order(f"queue_order = {order}"))

    assert found == ['p.toml:policy.queue_order: must be ["priority", "received"]: the queue '
                     "works tickets by priority, then in the order received (one order for "
                     "every policy, since one queue holds tickets under several policies)"]


def test_an_unknown_order_key_is_refused_too():
    found = problems(with_order('queue_order = ["severity", "received"]'))

    assert found and all(p.startswith("p.toml:policy.queue_order") for p in found)


def test_the_order_the_queue_works_in_is_accepted_and_is_the_default():
    written = parse_policy(with_order('queue_order = ["priority", "received"]'), "p.toml")
    left_out = parse_policy(CLOCK_POLICY, "p.toml")

    assert written.policy.queue_order == left_out.policy.queue_order == ("priority", "received")


@pytest.mark.parametrize("name", SEEDS)
def test_every_seed_page_states_the_queue_order_exactly(name):
    page = render(seed(name), "markdown")

    assert WORKED_IN in page
