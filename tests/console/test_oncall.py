"""The console's on-call pages: the roster for now and four weeks in the schedule's zone, the
layer, override and swap editors, pages with acknowledge buttons (htmx swaps the row), an
agent's own webhook and feed, and the acknowledge link that never acknowledges on GET."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from pledgedesk import clock
from pledgedesk.oncall.models import FeedToken, Layer, Override, Page, Swap
from tests.factories import contact
from tests.oncall.conftest import SATURDAY_2AM, desk  # noqa: F401 (the fixture)
from tests.outbox.helpers import drain


@pytest.fixture
def saturday():
    with clock.use(clock.FixedClock(SATURDAY_2AM)) as fixed:
        yield fixed


def _page_link(text: str) -> str:
    return re.search(r"http://[^/\s]+(/console/oncall/ack/[^/\s]+/)", text).group(1)


def test_the_schedule_page_shows_who_is_on_call_in_local_time(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    page = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Times in America/Chicago" in text
    assert "Sat 10 Jan 2026, 02:00 CST" in text and "Mon 12 Jan 2026, 08:00 CST" in text
    assert "Eve Engineer" in text and "Fay Engineer" in text
    assert "<script" not in text.split("</head>")[1]  # no inline script (CSP)
    rows = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/",
                      headers={"HX-Request": "true"})
    assert rows.content.decode().lstrip().startswith("<tr")  # the htmx refresh: rows only


def test_contacts_and_signed_out_people_see_no_on_call_page(client, desk, saturday):  # noqa: F811
    for path in ("/console/oncall/", f"/console/oncall/schedules/{desk.schedule.pk}/",
                 "/console/oncall/pages/"):
        assert client.get(path).status_code == 302
    client.force_login(desk.requester.user)
    assert client.get("/console/oncall/pages/").status_code == 302


def test_a_lead_adds_a_layer_and_an_engineer_may_not(client, desk, saturday):  # noqa: F811
    form = {"name": "Weekend", "level": "5", "every": "1", "unit": "days",
            "handoff_date": "2026-01-10", "handoff_time": "00:00",
            "members": f"{desk.fay.pk}", "restrict_days": ["5", "6"],
            "restrict_start": "00:00", "restrict_end": "23:59"}
    path = f"/console/oncall/schedules/{desk.schedule.pk}/layers/"
    client.force_login(desk.eve.user)
    refused = client.post(path, form)
    assert refused.status_code == 403 and "support lead" in refused.content.decode()
    client.force_login(desk.lead.user)
    assert client.post(path, form).status_code == 302
    assert Layer.objects.get(name="Weekend").restrict_days == [5, 6]
    bad = client.post(path, {**form, "level": "6", "members": "x,y"})
    assert bad.status_code == 400 and "members" in bad.content.decode()


def test_an_agent_enters_an_override_in_the_schedules_zone(client, desk, saturday):  # noqa: F811
    client.force_login(desk.fay.user)
    answer = client.post(f"/console/oncall/schedules/{desk.schedule.pk}/overrides/", {
        "agent": desk.fay.pk, "start": "2026-01-11T00:00", "end": "2026-01-11T12:00",
        "reason": "Eve is away"})
    assert answer.status_code == 302
    override = Override.objects.get()
    assert override.start == SATURDAY_2AM + timedelta(hours=22)  # midnight Central, 06:00 UTC
    text = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/").content.decode()
    assert "override" in text and "Sun 11 Jan 2026, 00:00 CST" in text


def test_a_swap_offered_then_accepted_in_the_console(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    client.post(f"/console/oncall/schedules/{desk.schedule.pk}/swaps/", {
        "agent": desk.eve.pk, "second": desk.fay.pk, "start": "2026-01-10T00:00",
        "end": "2026-01-12T08:00"})
    swap = Swap.objects.get()
    assert swap.state == "proposed"
    client.force_login(desk.fay.user)
    text = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/").content.decode()
    assert "Accept" in text
    client.post(f"/console/oncall/schedules/{desk.schedule.pk}/swaps/{swap.pk}/",
                {"decision": "accept"})
    assert Swap.objects.get().state == "accepted"


def test_pages_list_acknowledges_with_an_htmx_row_swap(client, desk, saturday):  # noqa: F811
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    page = Page.objects.get(ticket=ticket)
    client.force_login(desk.fay.user)
    listed = client.get("/console/oncall/pages/").content.decode()
    assert f"#{ticket.number}" in listed and 'hx-post="' in listed
    row = client.post(f"/console/oncall/pages/{page.pk}/acknowledge/",
                      headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert row.content.decode().lstrip().startswith(f'<tr id="page-{page.pk}"')
    assert "Fay Engineer (console)" in row.content.decode()
    again = client.post(f"/console/oncall/pages/{page.pk}/acknowledge/",
                        headers={"HX-Request": "true"})
    assert again.status_code == 409 and "already acknowledged" in again.content.decode()


def test_the_acknowledge_link_shows_a_button_and_only_post_acknowledges(client, desk,  # noqa: F811
                                                                        saturday):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    mailed = next(m for m in mail.outbox if m.subject.startswith("[PAGE]"))
    link = _page_link(mailed.body)

    shown = client.get(link)  # a link scanner opening it
    assert shown.status_code == 200 and "<button" in shown.content.decode()
    assert shown["Referrer-Policy"] == "no-referrer"
    assert Page.objects.get(ticket=ticket).state == Page.State.TRIGGERED

    done = client.post(link)
    assert done.status_code == 200 and "Acknowledged by Eve Engineer" in done.content.decode()
    assert Page.objects.get(ticket=ticket).acknowledged_via == "link"
    used = client.get(link)
    assert used.status_code == 409 and "already used" in used.content.decode()
    assert client.post(link).status_code == 409
    assert client.get("/console/oncall/ack/not-a-token/").status_code == 404


def test_an_expired_link_shows_why_and_acknowledges_nothing(client, desk, saturday):  # noqa: F811
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    link = _page_link(next(m for m in mail.outbox if m.subject.startswith("[PAGE]")).body)
    saturday.advance(hours=13)
    assert "expired" in client.get(link).content.decode()
    assert client.post(link).status_code == 409
    assert Page.objects.get(ticket=ticket).state != Page.State.ACKNOWLEDGED


def test_an_agent_makes_and_revokes_their_own_feed(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    made = client.post("/console/oncall/me/", {"action": "new_feed"}).content.decode()
    url = re.search(r"(/console/oncall/feed/[^<\s]+\.ics)", made).group(1)
    client.logout()
    feed = client.get(url)
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    client.force_login(desk.fay.user)
    row = FeedToken.objects.get()
    client.post("/console/oncall/me/", {"action": "revoke_feed", "feed": row.pk})
    assert client.get(url).status_code == 200  # Fay cannot revoke Eve's feed
    client.force_login(desk.eve.user)
    client.post("/console/oncall/me/", {"action": "revoke_feed", "feed": row.pk})
    assert client.get(url).status_code == 404


def test_an_agent_adds_a_webhook_and_sees_its_secret_once(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    made = client.post("/console/oncall/me/", {"action": "add_webhook",
                                               "url": "https://pager.example/in"})
    assert "whsec_" in made.content.decode()
    assert "whsec_" not in client.get("/console/oncall/me/").content.decode()
    bad = client.post("/console/oncall/me/", {"action": "add_webhook", "url": "javascript:x"})
    assert bad.status_code == 400


def test_a_customer_contact_cannot_open_a_feed_or_answer_a_page(client, desk,  # noqa: F811
                                                                  saturday):
    outsider = contact(desk.org, login=True)
    client.force_login(outsider.user)
    assert client.get("/console/oncall/me/").status_code == 302
    assert client.post("/console/oncall/pages/1/acknowledge/").status_code == 302


def test_the_ticket_history_says_who_was_paged_how_and_why(client, desk, saturday):  # noqa: F811
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    client.force_login(desk.fay.user)
    text = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "On-call page requested" in text
    assert "Page requested: Eve Engineer by email" in text
    assert "On-call engineer paged: Eve Engineer by email, notification 1" in text


def test_an_unknown_page_action_is_not_found(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    assert client.post("/console/oncall/pages/1/shout/").status_code == 404


def test_a_lead_edits_a_layers_members_and_hand_off(client, desk, saturday):  # noqa: F811
    layer = desk.schedule.layers.get(level=1)
    client.force_login(desk.lead.user)
    page = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/").content.decode()
    assert f'value="{desk.eve.pk},{desk.fay.pk}"' in page  # the edit form, filled in
    answer = client.post(f"/console/oncall/schedules/{desk.schedule.pk}/layers/{layer.pk}/", {
        "name": "Primary", "level": "1", "every": "2", "unit": "weeks",
        "handoff_date": "2026-01-05", "handoff_time": "09:00",
        "members": f"{desk.fay.pk},{desk.eve.pk}"})
    assert answer.status_code == 302
    layer.refresh_from_db()
    assert layer.every == 2 and [m.agent_id for m in layer.members.all()] == [
        desk.fay.pk, desk.eve.pk]
    text = client.get(f"/console/oncall/schedules/{desk.schedule.pk}/").content.decode()
    assert "Sat 10 Jan 2026, 02:00 CST" in text and "Mon 19 Jan 2026, 09:00 CST" in text


def test_a_lead_creates_a_schedule_and_an_engineer_sees_no_form(client, desk, saturday):  # noqa: F811
    client.force_login(desk.eve.user)
    overview = client.get("/console/oncall/").content.decode()
    assert "HelpDesk after hours" in overview and "New schedule" not in overview
    client.force_login(desk.lead.user)
    made = client.post("/console/oncall/", {
        "policy_key": "crm-regional", "name": "CRM nights", "zone": "Europe/London",
        "ack_timeout_minutes": "10", "repeats": "1"})
    assert made.status_code == 302
    bad = client.post("/console/oncall/", {
        "policy_key": "crm-regional", "name": "Again", "zone": "Mars/Base",
        "ack_timeout_minutes": "10", "repeats": "1"})
    assert bad.status_code == 400 and "IANA" in bad.content.decode()
