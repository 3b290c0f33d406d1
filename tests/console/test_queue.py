"""The console queue: priority rank then time received (RK-8, FG-6), SLA countdowns that turn
amber at the warning threshold and red when breached, filters, keyset pages, a live fragment
for htmx polling, and a query count that does not grow with the page."""

import re
from datetime import timedelta

import pytest

from pledgedesk.tickets.services import Change, ticket_update
from tests.pages import FG, NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    return org, person(org, role="administrator"), staff(groups=("support",))


def numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-number="(\d+)"', page)]


def test_agent_signs_in_by_username_or_email(client, desk, at_now):
    _, _, maria = desk
    maria.user.email = "Maria@Desk.example"
    maria.user.save()

    by_name = client.post("/console/sign-in/", {"identifier": maria.user.username,
                                                "password": "a long enough passphrase"})
    client.logout()
    by_mail = client.post("/console/sign-in/", {"identifier": "maria@desk.example",
                                                "password": "a long enough passphrase"})

    assert by_name.status_code == by_mail.status_code == 302
    assert by_mail["Location"] == "/console/"


def test_a_contact_cannot_sign_in_to_the_console(client, desk, at_now):
    _, admin, _ = desk

    response = client.post("/console/sign-in/", {"identifier": admin.user.username,
                                                 "password": "a long enough passphrase"})

    assert response.status_code == 400


def test_a_signed_in_contact_is_sent_to_console_sign_in(client, desk, at_now):
    _, admin, _ = desk
    client.force_login(admin.user)

    response = client.get("/console/")

    assert response["Location"].startswith("/console/sign-in/")


def test_rk8_queue_is_ordered_by_priority_then_time_received(client, desk, at_now):
    org, admin, maria = desk
    blue = open_ticket(org, admin, priority="blue", at=NOW - timedelta(hours=3))
    red_late = open_ticket(org, admin, priority="red", at=NOW - timedelta(minutes=5))
    red_early = open_ticket(org, admin, priority="red", at=NOW - timedelta(hours=1))
    client.force_login(maria.user)

    page = client.get("/console/").content.decode()

    assert numbers(page) == [red_early.number, red_late.number, blue.number]


def test_htmx_poll_gets_only_the_rows(client, desk, at_now):
    org, admin, maria = desk
    open_ticket(org, admin)
    client.force_login(maria.user)

    page = client.get("/console/", headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in page and "data-number" in page


def test_the_full_page_polls_its_rows(client, desk, at_now):
    _, _, maria = desk
    client.force_login(maria.user)

    page = client.get("/console/?view=mine").content.decode()

    assert 'hx-get="/console/?view=mine"' in page
    assert 'hx-trigger="every 15s"' in page


def test_countdown_is_green_then_amber_at_warning_then_red_when_breached(client, at_now):
    """FG-7 callback for a Medium ticket: 2 business hours, a warning 15 minutes before."""
    org = organisation(FG, timezone="America/Chicago", country="US")
    paula = person(org, role="primary")
    maria = staff()
    ticket = open_ticket(org, paula, priority="medium")
    ticket_update(ticket=ticket, actor=as_agent(maria), change=Change(assignee=maria),
                  expected_version=None, now=NOW)  # assignment met: the callback is next
    client.force_login(maria.user)

    def state():
        page = client.get("/console/").content.decode()
        return re.search(r'class="sla sla-(\w+)" data-state="(\w+)"', page).groups()

    green = state()
    at_now.advance(minutes=110)
    amber = state()
    at_now.advance(minutes=15)
    red = state()

    assert green == ("ok", "running")
    assert amber == ("warn", "warning")
    assert red == ("breach", "breached")


def test_filters_mine_and_unassigned(client, desk, at_now):
    org, admin, maria = desk
    mine = open_ticket(org, admin)
    other = open_ticket(org, admin)
    ticket_update(ticket=mine, actor=as_agent(maria), change=Change(assignee=maria),
                  expected_version=None, now=NOW)
    client.force_login(maria.user)

    assert numbers(client.get("/console/?view=mine").content.decode()) == [mine.number]
    assert numbers(client.get("/console/?view=unassigned").content.decode()) == [other.number]


def test_filter_my_groups(client, desk, at_now):
    from pledgedesk.accounts.models import AgentGroup

    org, admin, maria = desk
    ours = open_ticket(org, admin)
    open_ticket(org, admin)
    ticket_update(ticket=ours, actor=as_agent(maria),
                  change=Change(group=AgentGroup.objects.get(key="support")),
                  expected_version=None, now=NOW)
    client.force_login(maria.user)

    assert numbers(client.get("/console/?view=groups").content.decode()) == [ours.number]


def test_my_groups_for_an_agent_in_no_group_is_an_empty_page_not_a_500(client, desk, at_now):
    """No group makes the filter an empty IN, which the ORM never compiles: the rows
    selector answers the empty page as the ORM would (found by tests/web/test_query.py)."""
    org, admin, _maria = desk
    open_ticket(org, admin)
    loner = staff(name="Lone Agent")  # in no group
    client.force_login(loner.user)

    response = client.get("/console/?view=groups")

    assert response.status_code == 200
    assert numbers(response.content.decode()) == []


def test_filters_status_priority_and_organisation(client, desk, at_now):
    org, admin, maria = desk
    red = open_ticket(org, admin, priority="red")
    blue = open_ticket(org, admin, priority="blue")
    ticket_update(ticket=blue, actor=as_agent(maria), change=Change(status="pending"),
                  expected_version=None, now=NOW)
    elsewhere = organisation(RK)
    theirs = open_ticket(elsewhere, person(elsewhere))
    client.force_login(maria.user)

    assert numbers(client.get("/console/?priority=red").content.decode()) == [red.number]
    assert numbers(client.get("/console/?status=pending").content.decode()) == [blue.number]
    assert numbers(client.get(f"/console/?organisation={elsewhere.pk}").content.decode()) == [
        theirs.number]


def test_filter_breaching_soon(client, at_now):
    org = organisation(FG, timezone="America/Chicago", country="US")
    paula = person(org, role="primary")
    maria = staff()
    soon = open_ticket(org, paula, priority="urgent", at=NOW - timedelta(minutes=20))
    later = open_ticket(org, paula, priority="low")
    ticket_update(ticket=later, actor=as_agent(maria), change=Change(assignee=maria),
                  expected_version=None, now=NOW)
    client.force_login(maria.user)

    assert numbers(client.get("/console/?breaching=1").content.decode()) == [soon.number]


def test_keyset_pages_follow_on_without_overlap(client, desk, at_now):
    org, admin, maria = desk
    for n in range(55):
        open_ticket(org, admin, subject=f"T{n}", at=NOW - timedelta(minutes=60 - n))
    client.force_login(maria.user)

    first = client.get("/console/").content.decode()
    cursor = re.search(r'rel="next" href="\?cursor=([\w-]+)"', first).group(1)
    second = client.get(f"/console/?cursor={cursor}").content.decode()

    assert len(numbers(first)) == 50 and len(numbers(second)) == 5
    assert not set(numbers(first)) & set(numbers(second))
    assert 'rel="next"' not in second


def test_a_forged_cursor_is_not_found(client, desk, at_now):
    _, _, maria = desk
    client.force_login(maria.user)

    assert client.get("/console/?cursor=not-a-cursor").status_code == 404


@pytest.mark.parametrize("tickets", [5, 50])
def test_queue_queries_do_not_grow_with_the_page(client, desk, at_now,
                                                 django_assert_max_num_queries, tickets):
    org, admin, maria = desk
    for n in range(tickets):
        open_ticket(org, admin, at=NOW - timedelta(minutes=n))
    client.force_login(maria.user)

    # session, user, the agent with its preferences, the page, its timers (and, the first
    # time this process sees a policy version, its text); the full page adds the versions'
    # keys and the organisations for the filter menus (issue 20).
    with django_assert_max_num_queries(8):
        client.get("/console/")
    with django_assert_max_num_queries(6):
        client.get("/console/", headers={"HX-Request": "true"})


def test_times_are_shown_in_the_agents_zone_with_offset(client, desk, at_now):
    org, admin, maria = desk
    open_ticket(org, admin)
    client.force_login(maria.user)

    client.post("/console/preferences/", {"timezone": "Asia/Kolkata"})
    page = client.get("/console/").content.decode()

    assert "5 Jan, 21:30 UTC+05:30" in page  # 16:00 UTC received


def test_queue_pages_never_count_or_offset(client, desk, at_now):
    """At a million tickets a page is an index range scan: no COUNT(*), no OFFSET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org, admin, maria = desk
    for n in range(3):
        open_ticket(org, admin, at=NOW - timedelta(minutes=n))
    client.force_login(maria.user)

    with CaptureQueriesContext(connection) as captured:
        client.get("/console/?breaching=1&view=groups")
        client.get("/console/")

    sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
    assert "COUNT(" not in sql and "OFFSET" not in sql


def test_a_poll_after_the_session_ended_moves_the_whole_page_to_sign_in(client):
    response = client.get("/console/?view=mine", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/console/sign-in/?next=/console/%3Fview%3Dmine"


@pytest.mark.parametrize("cursor", ["garbage", "MHwwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwfDE"])
def test_a_forged_cursor_in_the_address_is_a_client_error_not_a_500(client, desk, at_now,
                                                                    cursor):
    _, _, maria = desk
    client.force_login(maria.user)

    response = client.get("/console/", {"cursor": cursor})

    assert 400 <= response.status_code < 500


def test_a_row_escapes_every_value_from_the_database(client, at_now):
    from pledgedesk.accounts.models import AgentGroup
    from pledgedesk.tickets.models import Ticket

    org = organisation(RK, timezone="America/Chicago", country="US", name="Smith & <Sons>")
    paula = person(org, role="administrator", name='Paula "P" <O\'Hara>')
    maria = staff(name="<b>Maria</b>", groups=("support",))
    AgentGroup.objects.filter(key="support").update(name="Tier 1 & <2>")
    ticket = open_ticket(org, paula, subject='<img src=x onerror="alert(1)">')
    ticket_update(ticket=ticket, actor=as_agent(maria), expected_version=None, now=NOW,
                  change=Change(assignee=maria, group=AgentGroup.objects.get(key="support")))
    Ticket.objects.filter(pk=ticket.pk).update(hold=Ticket.Hold.NEEDS_ACCOUNT_LOOKUP)
    client.force_login(maria.user)

    page = client.get("/console/", headers={"HX-Request": "true"}).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "Paula &quot;P&quot; &lt;O&#x27;Hara&gt; · Smith &amp; &lt;Sons&gt;" in page
    assert "&lt;b&gt;Maria&lt;/b&gt;" in page and "Tier 1 &amp; &lt;2&gt;" in page
    assert "<img" not in page and "<b>" not in page and "<Sons>" not in page
    held = Ticket.objects.get(pk=ticket.pk).get_hold_display()
    assert f'<span class="badge hold">{held}</span>' in page


def test_a_row_without_requester_organisation_or_assignee_says_so(client, desk, at_now):
    from pledgedesk.tickets.models import Ticket

    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    Ticket.objects.filter(pk=ticket.pk).update(requester=None, organisation=None,
                                               caller_number="+15550100")
    client.force_login(maria.user)

    page = client.get("/console/", headers={"HX-Request": "true"}).content.decode()

    assert '<small class="muted">+15550100 · no organisation</small>' in page
    assert "<td>—</td>" in page


def test_each_agents_own_tickets_under_mine_on_the_same_page(client, desk, at_now):
    """The page's compiled query is kept per filters, page and agent: "Mine" is each agent's."""
    org, admin, maria = desk
    other = staff(groups=("support",))
    hers = open_ticket(org, admin)
    his = open_ticket(org, admin)
    for ticket, who in ((hers, maria), (his, other)):
        ticket_update(ticket=ticket, actor=as_agent(who), change=Change(assignee=who),
                      expected_version=None, now=NOW)

    client.force_login(maria.user)
    first = numbers(client.get("/console/?view=mine").content.decode())
    client.force_login(other.user)
    second = numbers(client.get("/console/?view=mine").content.decode())

    assert (first, second) == ([hers.number], [his.number])


def test_the_queue_rows_are_the_queue_selectors_page(client, desk, at_now):
    """``ticket_queue_rows`` (the console's plain rows) pages as ``ticket_queue`` does."""
    from pledgedesk.accounts.authorization import principal_for
    from pledgedesk.tickets.selectors import QueueFilter, ticket_queue, ticket_queue_rows

    org, admin, maria = desk
    for n in range(7):
        open_ticket(org, admin, priority=("red", "blue")[n % 2], at=NOW - timedelta(minutes=n))
    principal = principal_for(maria.user)

    def pages(read, items):
        cursor, seen = None, []
        while True:
            page = read(principal=principal, filters=QueueFilter(), cursor=cursor, limit=3,
                        now=NOW)
            seen.append(([t.number for t in items(page)], page.next_cursor))
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    assert pages(ticket_queue_rows, lambda p: p.rows) == pages(ticket_queue, lambda p: p.tickets)
