"""Each seed's policy page, compared point by point with its source document (issue 21).

Per seed: the terms a customer needs that the page had dropped are back, soft promises stay
soft, the support team's own choices carry a numbered note, and the contradictions are gone.
Unless a test says otherwise the page is the one the desk as built serves (``Deployment()``:
the portal and the API, no mailbox, phone line, widget, chat, knowledge base, paging or hour
banks)."""

import re

import pytest

from pledgedesk.policy.deployment import Deployment
from pledgedesk.policy.render import Block, document, render
from tests.policy.helpers import SEEDS, seed

RK, RT, RL, FG, PR = ("crm-severity-colours", "crm-named-severities", "ecommerce-platform",
                      "fax-server-24x7", "crm-regional")
EVERYTHING = Deployment(
    mailboxes=frozenset({"support@rethinkcrm.com", "support@thefaxguysot.wpengine.com",
                         "help@piperocks.com"}),
    phone_numbers=frozenset({"+1 952 252 3620"}), widget=True, chat=True, knowledge_base=True,
    votes=True, paging=True, hour_banks=True)


def page(name: str, serves: Deployment | None = None) -> str:
    return render(seed(name), "markdown", serves)


def notes(text: str) -> list[str]:
    return re.findall(r"^\d+\. (.*)$", text.split("## Notes", 1)[1], re.M)


# --- RK: seed 000 ------------------------------------------------------------------------------


def test_rk_page_restores_no_phone_support_and_the_defect_process():
    text = page(RK)

    assert ("We do not provide phone support. When a call would help, our support team may ask "
            "you for a phone call or a screen-share session") in text
    assert ("Where no workaround is available, we change your ticket to On-Hold, seek to "
            "escalate the defect to high priority and notify you as soon as possible. If a "
            "workaround is available, we provide it.") in text
    assert "required to take part in our REthink Administrative setup program" in text


def test_rk_page_keeps_every_effort_soft_and_is_not_headed_a_promise():
    text = page(RK)

    assert "## What we aim for" in text and "## What we promise" not in text
    assert "we will make every effort to respond the same day" in text
    assert "will definitely respond by the next business morning" in text


def test_rk_page_marks_the_hours_and_default_severity_as_the_teams_choice():
    text = page(RK)

    assert "- Monday to Friday, 08:00 to 17:00 US Central time.¹" in text
    assert "- Closed on US federal holidays¹: New Year's Day" in text
    assert "| YELLOW² |" in text
    assert notes(text) == [
        'Our pledge says "normal business hours (not including holidays)" without stating '
        "them: these hours and holidays are the ones our support team works.",
        "Our pledge names no default severity: a request that does not choose one is YELLOW."]


def test_rk_page_states_statuses_in_the_pledges_words_and_each_line_once():
    text = page(RK, EVERYTHING)

    assert "| Open | Cases where the response focus is currently with Product Support" in text
    assert "| Closed | Cases that have been closed and cannot be reopened. |" in text
    assert ("- Email: Write to support@rethinkcrm.com. Include: Title, explanation of the "
            "situation and attachments.") in text
    assert text.count("explanation of the situation") == 1
    assert text.lower().count("best effort") + text.lower().count("best-effort") == 1
    assert "America/Chicago" not in text and "(Business hours (US Central))" not in text


def test_rk_page_lists_hour_tiers_only_where_the_desk_keeps_balances():
    assert "Silver: 10 hours" not in page(RK)
    assert "replenishing" not in page(RK)
    assert "- Silver: 10 hours" in page(RK, EVERYTHING)
    assert "falls below 20%" in page(RK, EVERYTHING)


# --- RT: seed 001 ------------------------------------------------------------------------------


def test_rt_page_restores_no_phone_support_third_party_note_and_onboarding():
    text = page(RT)

    assert "We do not provide phone support." in text
    assert ("If an Urgent issue is related to a third-party application (not Rethink directly), "
            "we recommend your Rethink Administrator interact directly with the application "
            "vendor.") in text
    assert ("- All new Rethink clients are required to take part in our Rethink Onboarding "
            "Training.") in text


def test_rt_page_marks_the_next_morning_rule_as_the_teams_own_and_stays_soft():
    text = page(RT)

    assert "## What we aim for" in text and "## What we promise" not in text
    assert "if it arrives after 3PM Central, we will make every effort to respond the same day" \
        in text
    assert ("Every priority: the same business day when received before 15:00 US Central time, "
            "otherwise by the next business morning³.") in text
    assert notes(text)[2] == ("Our pledge promises every effort to respond the same day; for a "
                              "request that arrives after 3PM Central, the next business "
                              "morning is our support team's own target.")
    assert "| Open⁴ |" in text and "does not list ticket statuses" in notes(text)[3]


def test_rt_page_invents_no_contact_and_offers_no_email_without_an_address():
    text = page(RT, EVERYTHING)

    assert "Rethink Product Support (via the Help Center)" not in text
    assert "- Email" not in text


# --- RL: seed 002 ------------------------------------------------------------------------------


def test_rl_page_restores_refunds_storage_charges_and_what_support_is_not_responsible_for():
    text = page(RL)

    assert "There are no refunds for services rendered." in text
    assert "storage of all your data on our secure servers while the account is installed" in text
    assert "Charges will be collected for delinquent accounts that fail to uninstall" in text
    assert "### What support is not responsible for" in text
    assert "- Blocking abusive account members from support" in text
    assert "- The success or failure of any marketing strategy" in text


def test_rl_page_of_goals_is_not_headed_what_we_promise_and_refusal_is_discretionary():
    text = page(RL)

    assert "## What we aim for" in text and "What we promise" not in text
    assert "These targets are goals, not guarantees." in text
    assert ("We may refuse service to spammers, phishers and scam artists, at the discretion of "
            "the support lead on duty.") in text
    assert "We take reasonable steps to verify your identity" in text
    assert "We refuse service" not in text and "recorded with its reason" not in text


def test_rl_page_names_canadian_holidays_plainly_and_marks_its_readings():
    text = page(RL)

    assert ("- Closed on Canadian national holidays¹: New Year's Day, Good Friday, Canada Day, "
            "Labour Day and Christmas Day.") in text
    assert "| High Priority Non-Critical | Within 1 business day³ |" in text
    assert 'Our policy says "major Canadian holidays"' in notes(text)[0]
    assert 'Our policy says "within 24hrs": we count that as one business day' in notes(text)[2]


def test_rl_page_says_within_24_hours_in_one_meaning_only():
    text = page(RL)
    body = text.split("## Notes")[0]  # the note quotes the policy's "within 24hrs"

    assert "24" not in body and "| High Priority Non-Critical | Within 1 business day³ |" in body
    assert "CA public holidays" not in text and "Labor Day" not in text
    assert "America/New_York" not in text


def test_rl_page_offers_chat_phone_and_votes_only_where_the_desk_has_them():
    bare, full = page(RL), page(RL, EVERYTHING)

    assert "Live chat" not in bare and "Live chat: Typically faster than email." in full
    assert "Was this article helpful?" not in bare
    assert 'Each article asks "Was this article helpful?"' in full


# --- FG: seed 003 ------------------------------------------------------------------------------


def test_fg_page_restores_priority_review_any_time_submission_and_night_installs():
    text = page(FG)

    assert "Our engineers may change the priority after reading your request." in text
    assert "You may submit tickets 24 hours a day" in text
    assert ("they work nights and weekends for customers on an appointment basis only") in text


def test_fg_page_keeps_typically_soft_and_marks_the_teams_own_callbacks():
    text = page(FG)

    assert "## What we promise and what we aim for" in text
    assert "Typically, a Medium priority ticket that is not production affecting" in text
    assert "| Urgent | Within 30 minutes |" in text          # "you can expect": a commitment
    assert "| Medium | Within 2 hours (goal) |" in text
    assert "| High | Within 1 hour (goal)² |" in text
    assert "| Low | Within 4 hours (goal)³ |" in text
    assert "no callback time for High priority" in notes(text)[1]


def test_fg_page_marks_the_prompt_24x7_callback_where_paging_exists():
    text = page(FG, EVERYTHING)

    assert "| Urgent | Within 30 minutes | Within 30 minutes at any hour³ |" in text
    assert ("Our guidelines promise a prompt callback: 30 minutes is our support team's own "
            "target.") in notes(text)


def test_fg_page_separates_included_software_from_paid_installation_work():
    text = page(FG)

    assert ("Your support contract includes free software upgrades, service releases and "
            "patches. Installing them on your servers, on-site or remote, is Professional "
            "Services.") in text
    assert "- On-site or remote upgrade of your RightFax servers to a newer version" in text
    assert "Upgrades to a newer version of RightFax" not in text


def test_fg_page_prints_each_fact_once():
    text = page(FG, EVERYTHING)

    assert text.count("952-252-3620") == 1
    assert text.count("authorised personnel listed on your") == 1
    assert text.count("temporary access can be granted") == 1


def test_fg_page_offers_no_paging_hotline_or_24x7_plan_on_a_desk_that_cannot_page():
    text = page(FG)

    for gone in ("page the on-call", "24x7", "hotline", "rotat", "952-252-3620", "Email:"):
        assert gone not in text, gone


# --- PR: seed 004 ------------------------------------------------------------------------------


def test_pr_page_restores_after_hours_handling_the_right_to_change_and_enterprise_contact():
    text = page(PR)

    assert "addressed as soon as possible during regular hours" in text
    assert ("We may change this policy at any time to improve our service; every change is "
            "announced on our website and the platform interface.") in text
    assert "- For more information on this plan: enterprise@piperocks.com." in text
    assert "escalations: help@piperocks.com" not in text and "(Enterprise:" not in text


def test_pr_page_strives_and_marks_enterprise_and_update_targets_as_the_teams_own():
    text = page(PR)

    assert "We strive to address all inquiries as quickly as possible." in text
    assert "## What we aim for" in text and "What we promise" not in text
    assert "| High impact | Within 24 hours on business days | Within 2 hours² |" in text
    assert "Every priority: within 24 hours on business days³." in text
    assert "expedited response times without a number" in notes(text)[1]
    assert "| High impact¹ |" in text and "names no priority levels" in notes(text)[0]


def test_pr_page_does_not_list_whole_business_days_as_staffed_hours():
    text = page(PR)

    assert "00:00" not in text and "24:00" not in text
    assert "### Support hours" in text and "### Business days" not in text
    assert ("Times on business days count Monday to Friday, all day, your local time, except "
            "the public holidays of your own country and region.") in text


def test_pr_page_offers_in_platform_ticketing_once_and_email_only_with_its_mailbox():
    bare, full = page(PR), page(PR, EVERYTHING)

    assert "help@piperocks.com" not in bare
    assert "- Email: Write to help@piperocks.com. For inquiries outside of the platform." in full
    assert full.count("- In-platform ticketing:") == 1
    assert "Community Forum" not in full  # it lives elsewhere and the file names no address


# --- every seed --------------------------------------------------------------------------------


def _texts(blocks: list[Block]) -> list[str]:
    return [t for b in blocks for t in (b.text, *b.items, *b.header,
                                        *(c for row in b.rows for c in row)) if t]


@pytest.mark.parametrize("serves", [None, EVERYTHING], ids=["as-built", "everything"])
@pytest.mark.parametrize("name", SEEDS)
def test_no_sentence_twice_no_iana_zone_and_no_nested_brackets_in_cells(name, serves):
    blocks = document(seed(name), serves)
    lines = [t for b in blocks if b.kind in ("p", "ul") for t in (b.text, *b.items) if t]
    cells = [c for b in blocks if b.kind == "table" for row in b.rows for c in row[1:]]

    assert len(lines) == len(set(lines))
    assert not re.search(r"\b(America|Europe|Pacific)/[A-Z]", render(seed(name), "markdown",
                                                                     serves))
    assert not [c for c in cells if re.search(r"\([^)]*\(", c)]


@pytest.mark.parametrize("name", SEEDS)
def test_html_and_markdown_pages_say_the_same_things(name):
    blocks = document(seed(name), EVERYTHING)
    markdown = render(seed(name), "markdown", EVERYTHING)
    page_html = render(seed(name), "html", EVERYTHING)

    for text in _texts(blocks):
        assert text.replace("|", "\\|") in markdown
        assert html_escape(text) in page_html


def html_escape(text: str) -> str:
    import html

    return html.escape(text)
