"""Announcing a published version (PR-9, issue 18): one mail per organisation's primary
contact on that policy, through the outbox, once per version and contact however often it is
run; a banner in the portal and the widget until ``announce_days`` after the version takes
effect, dismissed per person; a customer only ever sees their own policy's versions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from pledgedesk.channels import widget as w
from pledgedesk.publishing import services
from pledgedesk.publishing.models import Dismissal
from tests.channels.widget_helpers import host_token
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, PR, RK, email_of, organisation, person, staff
from tests.publishing.conftest import RED_RESOLUTION
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db

NEXT_WEEK = NOW + timedelta(days=7)


@pytest.fixture
def customers(policy_dir):
    acme, globex = organisation(RK, name="Acme"), organisation(RK, name="Globex")
    return {"acme_primary": person(acme, role="primary"), "acme_user": person(acme),
            "globex_primary": person(globex, role="primary"),
            "no_primary": person(organisation(RK, name="Initech")),
            "fax_primary": person(organisation(FG, name="Faxco"), role="primary")}


def test_one_mail_per_primary_contact_per_version_however_often_it_runs(customers, draft,
                                                                          at_now):
    done = publish(draft(RK, "3", RED_RESOLUTION, announced=True), now=NOW,
                   effective=NEXT_WEEK)
    drain(now=NOW)
    services.version_announce(done.version, now=NOW + timedelta(hours=1))  # a re-run
    publish(draft(RK, "3", RED_RESOLUTION, announced=True), now=NOW + timedelta(hours=2))
    drain(now=NOW + timedelta(hours=2))

    assert done.mails == 2
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([email_of(customers["acme_primary"]),
                         email_of(customers["globex_primary"])])
    sent = mail.outbox[0]
    assert "changes on" in sent.subject and "version 3" in sent.subject
    assert "Resolution, plan standard, priority red: 1 business day → 2 business days" in \
        sent.body
    assert "http" in sent.body and "/portal/policy/#policy-versions" in sent.body
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_policy_that_does_not_ask_is_not_announced_unless_the_publisher_asks(customers, draft):
    quiet = publish(draft(RK, "3", RED_RESOLUTION), now=NOW)
    asked = publish(draft(RK, "4"), now=NOW + timedelta(hours=1), announce=True)

    assert quiet.announcement is None and asked.announcement is not None
    assert asked.announcement.shows_until == NOW + timedelta(hours=1, days=14)  # announce_days


def test_the_banner_is_dismissed_per_person(customers, draft, client, at_now):
    done = publish(draft(RK, "3", RED_RESOLUTION, announced=True), now=NOW,
                   effective=NEXT_WEEK)
    ann = customers["acme_primary"]
    client.force_login(ann.user)

    shown = client.get("/portal/").content.decode()
    response = client.post(f"/portal/announcements/{done.announcement.pk}/dismiss/",
                           {"next": "/portal/"})
    after = client.get("/portal/").content.decode()
    client.force_login(customers["acme_user"].user)
    colleague = client.get("/portal/").content.decode()

    assert "Our support policy changes on 12 January 2026: version 3." in shown
    assert response.status_code == 302
    assert "policy-banner" not in after
    assert "Our support policy changes on" in colleague
    assert Dismissal.objects.filter(contact=ann).count() == 1


def test_a_customer_never_sees_nor_dismisses_another_policys_announcement(customers, draft,
                                                                           client, at_now):
    done = publish(draft(RK, "3", RED_RESOLUTION, announced=True), now=NOW)
    client.force_login(customers["fax_primary"].user)

    page = client.get("/portal/").content.decode()
    refused = client.post(f"/portal/announcements/{done.announcement.pk}/dismiss/")

    assert "policy-banner" not in page
    assert refused.status_code == 404
    assert not Dismissal.objects.exists()


def test_the_widget_frame_shows_the_banner_and_dismisses_it_for_its_contact(policy_dir, draft,
                                                                            client, at_now):
    org = organisation(PR, timezone="Europe/Berlin", country="DE")
    ana = person(org, role="primary")
    issued = w.widget_create(agent=staff(roles=("administrator",)), organisation=org,
                             origins=["https://app.example.com"], now=NOW)
    done = publish(draft(PR, "3", ('targets.high = { business = "24h" }',
                                   'targets.high = { business = "16h" }')),
                   now=NOW)  # PR-9's own file says where changes are announced: it asks
    base = f"/portal/widget/{issued.widget.public_id}/"
    started = client.post(base + "start/", {
        "host_token": host_token(issued.widget, issued.secret, email=email_of(ana), at=NOW),
        "host_origin": "https://app.example.com"}).content.decode()
    session = re.search(r'name="session" value="([^"]+)"', started).group(1)

    dismissed = client.post(f"{base}announcements/dismiss/",
                            {"session": session, "announcement": done.announcement.pk})

    assert "Our support policy changed on 5 January 2026: version 3 is in force." in started
    assert dismissed.status_code == 200
    assert "policy-banner" not in dismissed.content.decode()
    assert 'name="subject"' in dismissed.content.decode()
    assert Dismissal.objects.filter(contact=ana).count() == 1
