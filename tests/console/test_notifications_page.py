"""The console's notification list, badge and choices: each agent sees only their own."""

from __future__ import annotations

import pytest

from pledgedesk.notify.models import Notification, NotifySettings
from tests.pages import NOW, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat_and_quinn():
    pat, quinn = staff(), staff()
    for who, text in ((pat, "Assigned to you: #7 Printer on fire"),
                      (quinn, "Customer replied on #8 Secret of Quinn's")):
        Notification.objects.create(agent=who, kind="assigned", ticket_id=1, ticket_number=7,
                                    event_id=who.pk, text=text, created_at=NOW)
    return pat, quinn


def test_the_list_shows_only_my_notifications_and_refreshes_itself(client, pat_and_quinn,
                                                                    at_now):
    pat, _ = pat_and_quinn
    client.force_login(pat.user)
    text = client.get("/console/notifications/").content.decode()
    assert "Printer on fire" in text and "Secret of Quinn" not in text
    assert 'hx-trigger="every 30s"' in text
    rows = client.get("/console/notifications/", headers={"HX-Request": "true"})
    assert rows.content.decode().lstrip().startswith("<tr")
    badge = client.get("/console/notifications/badge/").content.decode()
    assert 'aria-label="1 unread"' in badge


def test_mark_read_and_the_badge_empties(client, pat_and_quinn, at_now):
    pat, quinn = pat_and_quinn
    client.force_login(pat.user)
    assert client.post("/console/notifications/read/").status_code == 302
    assert "unread" not in client.get("/console/notifications/badge/").content.decode()
    assert Notification.objects.get(agent=quinn).read_at is None


def test_someone_elses_notification_cannot_be_marked(client, pat_and_quinn, at_now):
    pat, quinn = pat_and_quinn
    client.force_login(pat.user)
    theirs = Notification.objects.get(agent=quinn)
    page = client.post("/console/notifications/read/", {"id": theirs.pk}, follow=True)
    assert "not yours or does not exist" in page.content.decode()
    assert Notification.objects.get(agent=quinn).read_at is None


def test_choices_are_saved_and_a_bad_one_is_a_400(client, pat_and_quinn, at_now):
    pat, _ = pat_and_quinn
    client.force_login(pat.user)
    assert client.get("/console/notifications/settings/").status_code == 200
    saved = client.post("/console/notifications/settings/", {
        "email_kinds": ["page", "sla_breached"], "digest": "on", "digest_minutes": "120"})
    assert saved.status_code == 302
    chosen = NotifySettings.objects.get(agent=pat)
    assert (chosen.email_kinds, chosen.digest, chosen.digest_minutes) == (
        ["page", "sla_breached"], True, 120)
    bad = client.post("/console/notifications/settings/", {"email_kinds": ["gossip"],
                                                           "digest_minutes": "60"})
    assert bad.status_code == 400 and "gossip" in bad.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, pat_and_quinn):
    assert client.get("/console/notifications/").status_code == 302
    assert client.post("/console/notifications/read/").status_code == 302
