"""The customer-facing policy page is generated from the file (render)."""

import re

import pytest

from pledgedesk.policy.deployment import Deployment
from pledgedesk.policy.render import render
from tests.policy.helpers import SEEDS, seed


@pytest.mark.parametrize("name", SEEDS)
def test_page_has_every_section_and_no_internal_ids(name):
    page = render(seed(name), "markdown")
    for heading in ("## How to reach us", "## Hours", "## Priorities", "## What we ",
                    "## Plans", "## Ticket statuses", "## Who may open a ticket",
                    "## What support covers"):
        assert heading in page
    assert not re.search(r"\b(RK|RT|RL|FG|PR)-\d", page)


def test_every_priority_and_its_meaning_is_published():
    policy = seed("crm-severity-colours")
    page = render(policy, "markdown")
    for priority in policy.priorities:
        assert priority.label in page
        assert priority.description.split(".")[0] in page


def test_targets_as_promised_rk_3_rk_6():
    page = render(seed("crm-severity-colours"), "markdown")
    assert "| RED | Within 1 business day |" in page
    assert "| YELLOW | Within 1 to 3 business days |" in page
    assert "| BLUE | No target |" in page
    assert ("Every priority: the same business day when received before 15:00 US Central "
            "time, otherwise by the next business morning.") in page


def test_plans_differ_in_columns_fg_8():
    page = render(seed("fax-server-24x7"), "markdown", Deployment(paging=True))
    assert "| Priority | Support contract | 24x7x365 support contract |" in page
    assert "| Urgent | Within 30 minutes | Within 30 minutes at any hour³ |" in page
    assert "page the on-call engineer" in page


def test_goals_not_guarantees_rl_5():
    assert "These targets are goals, not guarantees." in render(seed("ecommerce-platform"))


def test_region_hours_pr_3():
    page = render(seed("crm-regional"))
    assert "Monday to Friday, 09:00 to 17:00 your local time." in page
    assert "Closed on the public holidays of your own country and region." in page


def test_html_is_escaped():
    page = render(seed("crm-severity-colours"), "html")
    assert "Product Support&#x27;s help" in page
    assert "<script" not in page
    assert page.count("<table>") == page.count("</table>")


def test_holiday_set_is_named_on_the_page_rl_1():
    page = render(seed("ecommerce-platform"))
    assert ("Closed on Canadian national holidays¹: New Year's Day, Good Friday, Canada Day, "
            "Labour Day and Christmas Day.") in page


def test_author_notes_are_not_shown_to_customers():
    page = render(seed("crm-regional")) + render(seed("fax-server-24x7"))
    assert "our choice" not in page.lower()  # the authors' `note`, not the customers' `choice`


def test_ranges_read_naturally_rl_3():
    assert "| Critical | Within 1 to 4 hours |" in render(seed("ecommerce-platform"))
