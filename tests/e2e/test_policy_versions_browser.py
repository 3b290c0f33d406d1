"""PR-9 (issue 18) in a real browser (Chromium): a customer sees the banner announcing a new
version of their support policy, dismisses it (it stays dismissed for them), and reads the
changelog on the policy page, with the changed target in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Session
from tests.pages import NOW, PASSWORD, RK, email_of, organisation, person
from tests.publishing.conftest import RED_RESOLUTION, draft, policy_dir  # noqa: F401 (fixtures)
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_dismisses_the_banner_and_reads_the_changelog(session, draft, at_now):  # noqa: F811
    acme = organisation(RK, name="Acme")
    ann = person(acme, role="primary", name="Ann Able")
    publish(draft(RK, "3", RED_RESOLUTION, announced=True), now=NOW)

    customer: Session = session()
    customer.sign_in_portal(email_of(ann), PASSWORD)
    banner = customer.page.locator(".policy-banner")
    expect(banner).to_contain_text("Our support policy changed on 5 January 2026: version 3")
    banner.get_by_role("button", name="Dismiss").click()
    customer.page.wait_for_url("**/portal/")
    expect(customer.page.locator(".policy-banner")).to_have_count(0)

    customer.go("/portal/policy/")
    versions = customer.page.locator("#policy-versions")
    expect(versions).to_contain_text("In force: version 3")
    expect(versions).to_contain_text(
        "Resolution, plan standard, priority red: 1 business day → 2 business days")
    expect(customer.page.locator(".policy-banner")).to_have_count(0)
    customer.shot("policy-versions-changelog")
    assert customer.errors == []
