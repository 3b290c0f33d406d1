"""Issue 19, "every figure links to the tickets behind it": the trends page's created and
solved per day, breaches by hour of week, workload (open and solved per agent and group) and
on-call pages each link to their tickets, drawn by the same selectors as the figure, so the
list holds exactly the rows the figure counts (a ticket paged twice is listed twice)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from pledgedesk import clock
from pledgedesk.oncall.models import Page
from tests.pages import NOW, staff
from tests.reports.desk import LATER, START, build
from tests.reports.test_trends import _solve

pytestmark = pytest.mark.django_db

TRENDS = "/console/reports/trends/"
FIGURE = "/console/reports/figure/"
PERIOD = {"start": START.date().isoformat(), "end": "2026-01-10"}


@pytest.fixture
def desk(client):
    _, _, t = build()
    ann = staff(name="Ann")
    _solve(t[1], ann, NOW + timedelta(days=1))
    _solve(t[2], ann, NOW + timedelta(days=1, hours=1))
    for ticket, source, acknowledged in ((t[1], "a", 4), (t[1], "b", None), (t[3], "a", None)):
        Page.objects.create(ticket=ticket, source=source, reason="outage", created_at=NOW,
                            acknowledged_at=acknowledged and NOW + timedelta(minutes=4))
    client.force_login(staff(roles=("support_lead",)).user)
    with clock.use(clock.FixedClock(LATER)):
        yield t, ann


def _subjects(client, url) -> list[str]:
    text = client.get(url).content.decode()
    return sorted(re.findall(r'<tr data-ticket="\d+">.*?</td>\s*<td>(.*?)</td>', text, re.S))


def _figure_links(text: str) -> list[tuple[str, int]]:
    return [(href.replace("&amp;", "&"), int(n)) for href, n in
            re.findall(rf'<a href="({FIGURE}[^"]+)">(\d+)</a>', text)]


def test_every_new_figure_lists_exactly_the_tickets_it_counts(client, desk):
    text = client.get(TRENDS, PERIOD).content.decode()
    links = _figure_links(text)
    figures = {re.search(r"figure=(\w+)", href).group(1) for href, _ in links}
    assert figures == {"created", "solved", "breaches", "open_by_agent", "open_by_group",
                       "solved_by_agent", "solved_by_group", "pages", "pages_acknowledged"}
    for href, n in links:
        assert len(_subjects(client, href)) == n, href


def test_each_figure_names_the_tickets_computed_by_hand(client, desk):
    _, ann = desk
    text = client.get(TRENDS, PERIOD).content.decode()
    by_figure = {}
    for href, _ in _figure_links(text):
        by_figure.setdefault(re.search(r"figure=(\w+)", href).group(1), []).append(href)
    created = next(h for h in by_figure["created"] if "day=2026-01-05" in h)
    assert _subjects(client, created) == ["t1", "t2", "t3", "t4", "t6"]
    assert _subjects(client, by_figure["solved"][0]) == ["t1", "t2"]  # 2026-01-06 (UTC)
    # t2 (stored) and t3 (running past its late instant) became late Monday 20:00 UTC.
    assert by_figure["breaches"] == [FIGURE + "?start=2026-01-04&end=2026-01-10"
                                     "&figure=breaches&weekday=1&hour=20"]
    assert _subjects(client, by_figure["breaches"][0]) == ["t2", "t3"]
    assert _subjects(client, by_figure["open_by_agent"][0]) == ["t3", "t4", "t5", "t6"]
    assert _subjects(client, by_figure["open_by_group"][0]) == ["t3", "t4", "t5", "t6"]
    assert by_figure["solved_by_agent"][0].endswith(f"figure=solved_by_agent&key={ann.pk}")
    assert _subjects(client, by_figure["solved_by_agent"][0]) == ["t1", "t2"]
    assert _subjects(client, by_figure["solved_by_group"][0]) == ["t1", "t2"]
    assert _subjects(client, by_figure["pages"][0]) == ["t1", "t1", "t3"]  # a row per page
    assert _subjects(client, by_figure["pages_acknowledged"][0]) == ["t1"]


def test_a_figures_tickets_download_as_csv(client, desk):
    response = client.get(FIGURE, {**PERIOD, "figure": "breaches", "weekday": 1, "hour": 20,
                                   "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["subject"] for r in rows) == ["t2", "t3"]


@pytest.mark.parametrize(("query", "problem"), [
    ({}, b"figure: required"),
    ({"figure": "created"}, b"day: required"),
    ({"figure": "solved", "day": "2026-02-01"}, b"day: outside the period"),
    ({"figure": "breaches", "weekday": 1}, b"hour: required"),
    ({"figure": "breaches", "weekday": 8, "hour": 1}, b"weekday"),
    ({"figure": "colour"}, b"figure"),
])
def test_bad_input_is_a_400_naming_the_field(client, desk, query, problem):
    response = client.get(FIGURE, {**PERIOD, **query})
    assert response.status_code == 400 and problem in response.content


def test_an_engineer_may_not_read_a_figures_tickets(client, desk):
    client.force_login(staff(roles=("engineer",)).user)
    assert client.get(FIGURE, {**PERIOD, "figure": "pages"}).status_code == 403
