"""The compliance report in a real browser (issue 19): a support lead opens it from the nav,
sees the chart and its table, follows a figure to the tickets behind it, and downloads the
report's CSV; no script error and no CSP violation on the way."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pledgedesk import clock
from tests.pages import PASSWORD, staff
from tests.reports.desk import LATER, build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk():
    with clock.use(clock.FixedClock(LATER)):
        a, _, _ = build()
        yield a, staff(roles=("support_lead",), name="Lena Lead")


def test_a_lead_follows_a_figure_to_its_tickets_and_downloads_the_csv(session, desk):
    org, lead = desk
    me = session()
    me.sign_in_console(lead.user.username, PASSWORD)
    me.page.get_by_role("link", name="Reports").click()
    me.page.get_by_label("By").select_option("organisation")
    me.page.get_by_role("button", name="Show").click()
    expect(me.page.locator("svg.report-chart")).to_be_visible()
    row = me.page.locator(f'tr[data-metric="first_response"][data-key="{org.pk}"]')
    # The default period, the last 90 days, holds t5 too: t2, t3 and t5 breached.
    expect(row.locator("td").nth(4)).to_have_text("3")
    me.shot("report-compliance")

    row.locator("td").nth(4).get_by_role("link").click()
    expect(me.page.locator("tr[data-ticket]")).to_have_count(3)
    expect(me.page.locator("h1")).to_contain_text("first_response: breached")
    me.page.get_by_role("link", name="Back to the report").click()

    with me.page.expect_download() as download:
        me.page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = next(r for r in rows if r["metric"] == "first_response" and r["value"] == org.name)
    assert (mine["measured"], mine["breached"], mine["excluded"]) == ("4", "3", "1")
    assert me.errors == []
