"""The customer's policy page shows each seed policy's Professional Services terms in the
policy's own words (issue 17): hour-bank tiers, term, the replenish line, zero and term end
(RK-10), courtesy work and its typical limit (RK-11), the engagement stages and which are
required (FG-12), the defect path (RK-5), feature requests (RL-8) and exceptions (RL-11);
and nothing of them where a policy promises none."""

from __future__ import annotations

import html
import re

import pytest

from tests.pages import FG, PR, RK, RL, organisation, person

pytestmark = pytest.mark.django_db
RT = "crm-named-severities"


def page(client, key: str) -> str:
    response = client.get(f"/portal/policy/{key}/")
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def section(text: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', text)
    return found.group(0) if found else ""


def test_rk_hour_banks_courtesy_and_defects_in_the_policys_words(client, at_now):
    text = page(client, RK)
    banks = section(text, "policy-hour-banks")
    assert "Product Services: prepaid hour banks" in banks                        # RK-10
    for tier, hours in (("Silver", 10), ("Gold", 20), ("Platinum", 30)):
        assert f"<td>{tier}</td><td>{hours} hours</td>" in banks
    assert "runs for 12 months" in banks and "falls below 20%" in banks
    assert "work goes on" in banks and "flagged" in banks          # at_zero = allow_and_flag
    assert "Hours not used by the end of the term expire." in banks  # at_term_end = expire
    assert "<code>*Product Services*</code>" in banks
    courtesy = section(text, "policy-courtesy")                                   # RK-11
    assert "may do it as a Courtesy" in courtesy and "limited to 30 minutes" in courtesy
    defects = section(text, "policy-defects")                                     # RK-5
    assert "our Development team" in defects and "goes to On-Hold" in defects
    assert "raised to high priority" in defects
    assert "escalated to high priority; we will notify you as it progresses." in defects
    assert "Product bugs or defects that require work from our Development team" in defects
    features = section(text, "policy-features")                                   # RL-8 (RK)
    assert "go to our Development team" in features
    assert not section(text, "policy-pipeline") and not section(text, "policy-exceptions")


def test_fg_pipeline_stages_and_which_are_required(client, at_now):
    text = page(client, FG)
    pipeline = section(text, "policy-pipeline")                                   # FG-12
    assert "Professional Services engagements" in pipeline
    assert "Sign the quote and return it with a Purchase Order" in pipeline  # its process
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", pipeline)
    assert [r[0] for r in rows][:3] == ["Requested", "Quoted",
                                        "Quote signed with purchase order (you do this in the "
                                        "portal)"]
    required = [r[0].split(" (")[0] for r in rows if r[1] == "Required"]
    assert required == ["Quote signed with purchase order", "Dedicated engineer assigned"]
    assert rows[2][2] == "a document, a purchase order number"
    assert "install, migration, upgrade, patch, training, health check" in pipeline
    for absent in ("policy-hour-banks", "policy-courtesy", "policy-defects",
                   "policy-features", "policy-exceptions"):
        assert not section(text, absent), absent


def test_rl_feature_requests_and_exceptions(client, at_now):
    text = page(client, RL)
    assert "go to our Product team" in section(text, "policy-features")          # RL-8
    exceptions = section(text, "policy-exceptions")                               # RL-11
    assert "recorded with its reason" in exceptions and "a target waived" in exceptions
    assert not section(text, "policy-hour-banks") and not section(text, "policy-pipeline")


def test_pr_and_rt_show_only_what_they_promise(client, at_now):
    pr = page(client, PR)
    assert section(pr, "policy-features") and not section(pr, "policy-hour-banks")
    assert 'id="policy-proservices"' not in page(client, RT)  # promises none of it


def test_a_signed_in_contact_sees_their_own_policys_terms_with_the_status_link(client, at_now):
    contact = person(organisation(RL), role="primary")
    client.force_login(contact.user)
    response = client.get("/portal/policy/")
    text = response.content.decode()
    assert 'id="policy-exceptions"' in text
    assert 'href="/portal/feature-requests/"' in text
