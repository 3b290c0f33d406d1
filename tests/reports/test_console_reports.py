"""The console's compliance report: leads and administrators only, every figure links to the
tickets behind it, a chart with its numbers in a table, and streamed CSV."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import StreamingHttpResponse

from pledgedesk import clock
from tests.pages import staff
from tests.reports.desk import LATER, START, build

pytestmark = pytest.mark.django_db

PAGE = "/console/reports/"
PERIOD = {"start": START.date().isoformat(), "end": "2026-01-10"}


@pytest.fixture
def later():
    with clock.use(clock.FixedClock(LATER)):
        yield


def _row(text: str, metric: str, key) -> str:
    return re.search(rf'<tr data-metric="{metric}" data-key="{key}">(.*?)</tr>', text,
                     re.S).group(1)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def _href(cell_row: str, index: int) -> str:
    cell = re.findall(r"<td>(.*?)</td>", cell_row, re.S)[index]
    return re.search(r'href="([^"]+)"', cell).group(1).replace("&amp;", "&")


def _lead(client, roles=("support_lead",)):
    client.force_login(staff(roles=roles).user)


# Every report door (issue 19): leads and administrators only.
DOORS = ("", "compliance.csv", "tickets/?metric=first_response", "trends/",
         "trends.csv?table=backlog", "backlog/?day=2026-01-05&status=new&priority=red",
         "time/")


@pytest.mark.parametrize("door", DOORS)
def test_an_engineer_may_not_read_reports(client, later, door):
    _lead(client, roles=("engineer",))
    assert client.get(PAGE + door).status_code == 403


@pytest.mark.parametrize("door", DOORS)
def test_signed_out_visitors_are_sent_to_sign_in(client, later, door):
    response = client.get(PAGE + door)
    assert response.status_code == 302 and "/console/" in response["Location"]
    assert "next=" in response["Location"]


def test_the_report_shows_the_figures_a_chart_and_links_to_the_tickets(client, later):
    a, _, _ = build()
    _lead(client, roles=("administrator",))
    page = client.get(PAGE, {**PERIOD, "by": "organisation"})
    assert page.status_code == 200
    text = page.content.decode()
    row = _row(text, "first_response", a.pk)
    assert _cells(row)[1:9] == ["3", "1", "1", "2", "1", "0", "33.3 %", "10 min"]
    assert '<span class="badge">goal</span>' in row
    assert re.search(r'<svg class="report-chart" role="img".*?<title', text, re.S)
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)  # no inline script (CSP)
    breached = _href(row, 4)
    assert parse_qs(urlparse(breached).query)["outcome"] == ["breached"]
    tickets = client.get(breached).content.decode()
    subjects = re.findall(r'<tr data-ticket="\d+">.*?</td>\s*<td>(.*?)</td>', tickets, re.S)
    assert sorted(subjects) == ["t2", "t3"]
    assert _href(row, 0) == f"/console/?organisation={a.pk}"


def test_csv_of_the_report_and_of_a_figure_are_streamed(client, later):
    a, _, _ = build()
    _lead(client)
    report = client.get(PAGE + "compliance.csv", {**PERIOD, "by": "organisation"})
    assert isinstance(report, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
    fr = next(r for r in rows if r["metric"] == "first_response" and r["value"] == a.name)
    assert (fr["measured"], fr["breached"], fr["compliance_pct"], fr["promise"]) == (
        "3", "2", "33.3", "goal")
    figure = client.get(PAGE + "tickets/", {**PERIOD, "by": "organisation", "key": a.pk,
                                            "metric": "first_response", "outcome": "excluded",
                                            "format": "csv"})
    lines = list(csv.DictReader(io.StringIO(b"".join(figure.streaming_content).decode())))
    assert [(r["subject"], r["reason"]) for r in lines] == [("t4", "product defect")]


def test_bad_input_is_a_400_naming_the_field(client, later):
    _lead(client)
    assert b"by ignored" in client.get(PAGE, {"by": "colour"}).content
    bad = client.get(PAGE, {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and b"starts after it ends" in bad.content


def test_the_trends_page_shows_each_table(client, later):
    build()
    _lead(client)
    text = client.get(PAGE + "trends/", PERIOD).content.decode()
    week = re.search(r'<th scope="row">2026-01-05</th><td>first_response</td>(.*?)</tr>', text,
                     re.S).group(1)
    assert _cells(week)[:3] == ["4", "2", "50.0 %"]
    met = client.get(_href(week, 1)).content.decode()  # the week's met first responses
    assert sorted(re.findall(r'<tr data-ticket="\d+">.*?</td>\s*<td>(.*?)</td>', met,
                             re.S)) == ["t1", "t6"]
    days = text[text.index('<table class="report-days">'):]
    created = re.search(r'<th scope="row">2026-01-05</th><td>(.*?)</td><td>(.*?)</td>',
                        days).groups()  # created vs solved, each count a link to its tickets
    assert [re.sub(r"<[^>]+>", "", c) for c in created] == ["5", "0"]
    assert re.search(r"<td>1</td><td>20:00</td><td><a [^>]+>2</a></td>", text)  # breaches


def test_the_backlog_per_day_links_to_its_tickets_and_has_a_chart_and_a_csv(client, later):
    _, _, t = build()
    _lead(client)
    text = client.get(PAGE + "trends/", PERIOD).content.decode()
    days = dict(re.findall(r'<tr data-day="([\d-]+)"><th scope="row">[\d-]+</th>(.*?)</tr>',
                           text, re.S))
    assert _cells(days["2026-01-04"])[-1] == "1"  # t5, received the week before
    assert _cells(days["2026-01-05"])[-1] == "6"  # and t1-t4, t6 (UTC days)
    assert '<svg class="report-chart" role="img" aria-labelledby="chart-backlog-title"' in text
    assert '<svg class="report-chart" role="img" aria-labelledby="chart-weeks-title"' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    link = re.search(r'href="(/console/reports/backlog/\?day=2026-01-04[^"]*)"',
                     days["2026-01-04"]).group(1).replace("&amp;", "&")
    listed = client.get(link).content.decode()
    assert re.findall(r'<tr data-ticket="(\d+)">', listed) == [str(t[5].number)]
    exported = client.get(PAGE + "trends.csv", {**PERIOD, "table": "backlog"})
    assert isinstance(exported, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert sum(int(r["open_tickets"]) for r in rows if r["day"] == "2026-01-05") == 6
    listed_csv = client.get(link + "&format=csv")
    lines = list(csv.DictReader(io.StringIO(b"".join(listed_csv.streaming_content).decode())))
    assert [r["subject"] for r in lines] == ["t5"]
    assert client.get(PAGE + "trends.csv", {**PERIOD, "table": "nope"}).status_code == 400
    assert client.get(PAGE + "backlog/", {"day": "x", "status": "new",
                                          "priority": "red"}).status_code == 400
