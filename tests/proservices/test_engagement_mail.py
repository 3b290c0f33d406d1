"""FG-12 (issue 17): each move our team makes on an engagement is mailed to the organisation's
primary contact through the outbox, once per move (keyed by it), in the move's transaction: a
refused move mails nothing; the customer's own signed-quote move is confirmed on the page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.errors import Conflict
from pledgedesk.outbox import services as outbox
from pledgedesk.outbox.models import Delivery
from pledgedesk.proservices.engagements import (
    MOVE_MAIL_TOPIC,
    Facts,
    engagement_move,
    engagement_request,
)
from pledgedesk.tickets.services import Actor
from tests.factories import T0, agent, organisation
from tests.outbox.helpers import drain
from tests.proservices.helpers import FG, fg_world

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=1)


def pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4", content_type="application/pdf")


@pytest.fixture
def fg():
    return fg_world(by_customer=False, kind="health_check", title="Yearly check")


def move(engagement, stage, actor, facts):
    return engagement_move(engagement=engagement, to_stage=stage, actor=actor, facts=facts,
                           expected_version=None, now=NOW)


def sent_to(primary):
    address = primary.emails.get().address
    return [m for m in mail.outbox if m.to == [address]]


def test_each_move_by_our_team_is_mailed_once_to_the_primary_contact(fg):
    _org, primary, pm, made = fg
    desk, customer = Actor(channel="web", agent=pm), Actor(channel="portal", contact=primary)
    engineer = agent(name="Ian Installer")
    move(made, "quoted", desk, Facts(document=pdf("quote.pdf")))
    move(made, "quote_signed", customer, Facts(document=pdf("signed.pdf"), po_number="PO-9"))
    move(made, "scheduled", desk, Facts(scheduled_at=datetime(2026, 1, 14, 15, 0,
                                                              tzinfo=T0.tzinfo)))
    move(made, "engineer_assigned", desk, Facts(engineer=engineer))
    mail.outbox.clear()
    drain(now=NOW)
    subjects = [m.subject for m in sent_to(primary)]
    assert subjects == ["Yearly check: Quoted", "Yearly check: Work scheduled",
                        "Yearly check: Dedicated engineer assigned"]  # not their own move
    quoted, scheduled, assigned = sent_to(primary)
    assert "moved from Requested to Quoted" in quoted.body and "quote.pdf" in quoted.body
    assert f"http://127.0.0.1:8000/portal/engagements/{made.pk}/" in quoted.body
    assert "Wed 14 Jan 2026, 09:00 US Central time (UTC-06:00)" in scheduled.body
    assert "Your dedicated engineer: Ian Installer" in assigned.body
    html = dict(assigned.alternatives)  # (content, mimetype) pairs
    assert any("Ian Installer" in body for body in html)
    assert Delivery.objects.filter(topic=MOVE_MAIL_TOPIC).count() == 3
    drain(now=NOW + timedelta(hours=1))
    assert len(sent_to(primary)) == 3  # delivered once each


def test_a_move_is_keyed_so_telling_it_again_adds_nothing(fg):
    _org, _primary, pm, made = fg
    move(made, "quoted", Actor(channel="web", agent=pm), Facts(document=pdf("q.pdf")))
    row = Delivery.objects.get(topic=MOVE_MAIL_TOPIC)
    outbox.enqueue(topic=MOVE_MAIL_TOPIC, key=row.key, payload=row.payload, now=NOW)
    assert Delivery.objects.filter(topic=MOVE_MAIL_TOPIC).count() == 1
    assert row.key == f"mail:ps-engagement:move:{made.moves.get(to_stage='quoted').pk}"


def test_a_refused_move_mails_nothing_and_no_primary_contact_none(fg):
    org, _primary, pm, made = fg
    with pytest.raises(Conflict):
        move(made, "scheduled", Actor(channel="web", agent=pm), Facts(scheduled_at=NOW))
    assert not Delivery.objects.filter(topic=MOVE_MAIL_TOPIC).exists()
    lonely = organisation(FG, name="No Primary", timezone="America/Chicago", country="US")
    theirs = engagement_request(organisation=lonely, kind="patch", title="Patch",
                                ticket=None, actor=Actor(channel="web", agent=pm), now=T0)
    move(theirs, "quoted", Actor(channel="web", agent=pm), Facts(document=pdf("q.pdf")))
    assert not Delivery.objects.filter(topic=MOVE_MAIL_TOPIC).exists()
    assert org.primary_contact_id is not None
