"""web.present, read directly: how instants, durations, timers and message bodies look on the
portal's and the console's pages. Explicit instants everywhere; ``now`` is always passed in."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledgedesk.tickets.models import SlaTimer, Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from pledgedesk.web import present
from tests.factories import contact, organisation
from tests.policy.helpers import seed

# Monday 2 March 2026, 15:00 UTC: 09:00 in Chicago (CST, UTC-06:00).
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
RK = "crm-severity-colours"  # metrics: first_response "Response", resolution "Resolution"


# --- instants: always in the viewer's zone, always with the offset ---------------------------

@pytest.mark.parametrize("zone, expected", [
    ("America/Chicago", "Mon 2 Mar 2026, 09:00 UTC\u221206:00"),
    ("UTC", "Mon 2 Mar 2026, 15:00 UTC+00:00"),
    ("Asia/Kolkata", "Mon 2 Mar 2026, 20:30 UTC+05:30"),
    ("Asia/Kathmandu", "Mon 2 Mar 2026, 20:45 UTC+05:45"),
    ("America/St_Johns", "Mon 2 Mar 2026, 11:30 UTC\u221203:30"),
    ("Pacific/Kiritimati", "Tue 3 Mar 2026, 05:00 UTC+14:00"),  # the date changes too
])
def test_an_instant_is_shown_in_the_viewers_zone_with_its_offset(zone, expected):
    assert present.instant(NOW, zone) == expected


def test_the_offset_follows_daylight_saving_time_on_each_side_of_the_change():
    """US DST starts 8 March 2026 at 02:00 local: the same wall hour a week apart has two
    offsets, and each instant shows its own."""
    before = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    after = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)

    assert present.instant(before, "America/Chicago") == "Sat 7 Mar 2026, 09:00 UTC\u221206:00"
    assert present.instant(after, "America/Chicago") == "Mon 9 Mar 2026, 09:00 UTC\u221205:00"


def test_an_instant_given_in_another_zone_is_converted_not_relabelled():
    tokyo = datetime(2026, 3, 3, 0, 0, tzinfo=present.zone("Asia/Tokyo"))  # = NOW

    assert present.instant(tokyo, "America/Chicago") == "Mon 2 Mar 2026, 09:00 UTC\u221206:00"


@pytest.mark.parametrize("zone", [None, "", "Mars/Olympus_Mons", "../etc/passwd"])
def test_a_missing_or_unknown_zone_shows_utc_instead_of_failing(zone):
    assert present.instant(NOW, zone) == "Mon 2 Mar 2026, 15:00 UTC+00:00"


def test_no_instant_is_shown_as_nothing():
    assert present.instant(None, "UTC") == ""
    assert present.instant_short(None, "UTC") == ""


def test_the_short_form_keeps_the_offset():
    assert present.instant_short(NOW, "Asia/Kolkata") == "2 Mar, 20:30 UTC+05:30"
    assert present.instant_short(NOW, "America/Chicago") == "2 Mar, 09:00 UTC\u221206:00"


# --- durations: readable, never negative -----------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (0, "0 min"),
    (59, "0 min"),
    (45 * 60, "45 min"),
    (2 * 3600 + 5 * 60, "2 h 05 min"),
    (24 * 3600, "1 d"),
    (3 * 86400 + 4 * 3600 + 59 * 60, "3 d 4 h"),
    (timedelta(hours=1, minutes=30), "1 h 30 min"),
    (None, ""),
])
def test_durations(value, expected):
    assert present.duration(value) == expected


@pytest.mark.parametrize("value", [-1, -3600, timedelta(days=-2), timedelta(seconds=-0.5)])
def test_a_negative_duration_shows_as_zero(value):
    assert present.duration(value) == "0 min"


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_no_duration_is_ever_shown_negative(seconds):
    text = present.duration(seconds)

    assert "-" not in text and "\u2212" not in text
    assert text.split()[0].isdigit()


# --- message bodies: sanitised, plain text keeps its lines -----------------------------------

@pytest.mark.parametrize("body, gone", [
    ("<script>alert(1)</script>hello", "alert"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">click</a>', "javascript:"),
    ('<p style="position:fixed">x</p>', "style"),
    ("<iframe src=https://evil.example></iframe>", "iframe"),
    ('<form action="/x"><input name="a"></form>', "<input"),
    ("<!-- a comment --><b>bold</b>", "comment"),
])
def test_message_bodies_lose_everything_that_runs_or_loads(body, gone):
    assert gone not in present.clean_body(body)


def test_links_stay_and_cannot_reach_back_to_the_desk():
    cleaned = present.clean_body('<a href="https://example.com/x" onclick="x()">docs</a>')

    assert 'href="https://example.com/x"' in cleaned
    assert 'rel="noopener noreferrer nofollow"' in cleaned
    assert "onclick" not in cleaned


def test_plain_text_keeps_its_line_breaks_and_is_escaped():
    cleaned = present.clean_body("line one\r\nif a < b & c > d\nfour")

    assert cleaned == "line one<br>if a &lt; b &amp; c &gt; d<br>four"


def test_formatted_bodies_keep_their_own_blocks():
    assert present.clean_body("<p>a</p>\n<p>b</p>") == "<p>a</p>\n<p>b</p>"


def test_an_empty_body_is_empty():
    assert present.clean_body("") == ""
    assert present.clean_body(None) == ""


# --- timers as a person reads them at an instant ---------------------------------------------

def _timer(metric="first_response", state="running", *, due_in=None, warn_in=None, **more):
    return SlaTimer(
        metric=metric, state=state,
        due_at=None if due_in is None else NOW + due_in,
        warn_at=None if warn_in is None else NOW + warn_in, **more)


def test_a_running_timer_counts_down_to_its_due_instant():
    view = present.timer_view(_timer(due_in=timedelta(hours=2, minutes=5)), seed(RK), NOW)

    assert (view.state, view.css, view.summary) == ("running", "ok", "due in 2 h 05 min")
    assert view.label == "Response"


def test_a_running_timer_past_its_warning_instant_is_a_warning():
    view = present.timer_view(
        _timer(due_in=timedelta(minutes=30), warn_in=timedelta(minutes=-5)), seed(RK), NOW)

    assert (view.state, view.css, view.summary) == ("warning", "warn", "due in 30 min")


def test_a_timer_stored_running_but_past_due_reads_as_breached_since_then():
    """The row said ``running`` at the ticket's last change; at NOW it is breached."""
    view = present.timer_view(_timer(due_in=-timedelta(days=1, hours=5)), seed(RK), NOW)

    assert (view.state, view.css, view.summary) == ("breached", "breach", "breached 1 d 5 h ago")


def test_past_a_due_instant_at_a_closing_time_it_says_when_it_becomes_late():
    """Due at Friday's close and read on Saturday: business time does not run, so the clock
    is on time until Monday's opening (``late_at``), and says so instead of "due in 0 min"."""
    view = present.timer_view(_timer(due_in=-timedelta(hours=19),
                                     late_at=NOW + timedelta(days=1, hours=20)), seed(RK), NOW)

    assert (view.state, view.css, view.summary) == ("running", "ok", "due; late in 1 d 20 h")


def test_a_breach_after_a_closed_stretch_counts_from_the_late_instant():
    view = present.timer_view(_timer(due_in=-timedelta(days=2, hours=16),
                                     late_at=NOW - timedelta(minutes=45)), seed(RK), NOW)

    assert (view.state, view.summary) == ("breached", "breached 45 min ago")


def test_a_stored_breach_is_worded_like_a_stale_one():
    """Issue 16: one wording for a breach, whether the row was stored as breached or went
    stale since ("breached by 1 h 35 min business time" beside "breached 3 h ago" before)."""
    stored = present.timer_view(
        _timer(state="breached", due_in=-timedelta(hours=3), breached_by_minutes=95),
        seed(RK), NOW)
    stale = present.timer_view(_timer(due_in=-timedelta(hours=3)), seed(RK), NOW)

    assert stored.summary == stale.summary == "breached 3 h 00 min ago"


@pytest.mark.parametrize("state, summary", [
    ("paused", "paused"), ("met", "met"), ("excluded", "excluded"),
    ("not_applicable", "no target"),
])
def test_a_clock_that_is_not_running_says_what_it_is(state, summary):
    view = present.timer_view(_timer(state=state, due_in=-timedelta(hours=1)), seed(RK), NOW)

    assert (view.state, view.summary) == (state, summary)


def test_a_metric_the_policy_does_not_name_gets_a_readable_label():
    assert present.metric_label(seed(RK), "follow_up") == "Follow up"
    assert present.metric_label(None, "first_response") == "First response"
    assert present.metric_label(seed("ecommerce-platform"), "first_response") == "First touch"


def test_the_promise_to_watch_is_a_breach_before_the_soonest_running_one():
    timers = [_timer("resolution", due_in=timedelta(hours=1)),
              _timer("follow_up", due_in=timedelta(minutes=20)),
              _timer("first_response", due_in=-timedelta(minutes=1))]

    assert present.next_promise(timers, seed(RK), NOW).metric == "first_response"
    assert present.next_promise(timers[:2], seed(RK), NOW).metric == "follow_up"


def test_no_promise_to_watch_when_no_clock_applies():
    timers = [_timer(state="not_applicable"), _timer("resolution", state="excluded")]

    assert present.next_promise(timers, seed(RK), NOW) is None


# --- list rows: the customer's view and the agent's ------------------------------------------

@pytest.mark.django_db
def test_a_customer_watches_the_first_response_while_an_agent_watches_the_breach():
    org = organisation(RK)
    opened = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Rows", description="x", channel="portal"),
                           now=NOW - timedelta(days=3))
    SlaTimer.objects.filter(ticket=opened).delete()
    SlaTimer.objects.bulk_create([
        SlaTimer(ticket=opened, metric="first_response", state="running",
                 due_at=NOW + timedelta(hours=2), late_at=NOW + timedelta(hours=2)),
        SlaTimer(ticket=opened, metric="resolution", state="running",
                 due_at=NOW - timedelta(hours=1), late_at=NOW - timedelta(hours=1)),
    ])
    tickets = list(Ticket.objects.filter(pk=opened.pk).select_related("policy_version")
                   .prefetch_related("timers"))

    [customer] = present.rows(tickets, NOW, customer=True)
    [agent] = present.rows(tickets, NOW)

    assert (customer.promise.metric, customer.promise.summary) == ("first_response",
                                                                   "due in 2 h 00 min")
    assert (agent.promise.metric, agent.promise.state) == ("resolution", "breached")
    policy = seed(RK)
    assert customer.priority == next(p.label for p in policy.priorities
                                     if p.key == opened.priority)
    assert customer.status == policy.statuses[opened.status].label
