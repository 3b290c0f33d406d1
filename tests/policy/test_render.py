"""The customer-facing policy page is generated from the file (render)."""

import re

import pytest

from pledgedesk.policy.render import render
from tests.policy.helpers import SEEDS, seed


@pytest.mark.parametrize("name", SEEDS)
def test_page_has_every_section_and_no_internal_ids(name):
    page = render(seed(name), "markdown")
    for heading in ("## How to reach us", "## Hours", "## Priorities", "## What we promise",
                    "## Plans", "## Ticket statuses", "## Who may open a ticket",
                    "## What support covers", "## Contact"):
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
    assert "| RED | Within 1 business day (Business hours (US Central)) |" in page
    assert "| YELLOW | 1-3 business days (Business hours (US Central)) |" in page
    assert "| BLUE | No target |" in page
    assert "Received before 15:00: the same business day" in page


def test_plans_differ_in_columns_fg_8():
    page = render(seed("fax-server-24x7"), "markdown")
    assert "| Priority | Support contract | 24x7x365 support contract |" in page
    assert "| Urgent | Within 30 minutes (HelpDesk hours (your time zone)) | Within 30 " \
           "minutes (24x7x365) |" in page
    assert "page the on-call engineer" in page


def test_goals_not_guarantees_rl_5():
    assert "These targets are goals, not guarantees." in render(seed("ecommerce-platform"))


def test_region_hours_pr_3():
    page = render(seed("crm-regional"))
    assert "Monday to Friday: 09:00-17:00 (your own local time zone)." in page
    assert "Closed on the public holidays of your own country and region." in page


def test_html_is_escaped():
    page = render(seed("crm-severity-colours"), "html")
    assert "Product Support&#x27;s help" in page
    assert "<script" not in page
    assert page.count("<table>") == page.count("</table>")


def test_holiday_set_is_named_on_the_page_rl_1():
    page = render(seed("ecommerce-platform"))
    assert ("Closed on CA public holidays: New Year's Day, Good Friday, Canada Day, Labor Day, "
            "Christmas Day.") in page


def test_author_notes_are_not_shown_to_customers():
    page = render(seed("crm-regional")) + render(seed("fax-server-24x7"))
    assert "our choice" not in page.lower()


def test_ranges_read_naturally_rl_3():
    assert "| Critical | 1 to 4 hours (Support hours (US Eastern)) |" in render(
        seed("ecommerce-platform"))
