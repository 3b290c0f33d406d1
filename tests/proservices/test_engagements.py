"""FG-12: an engagement moves through the policy's stages, forward only, never skipping a
required one (no scheduling without a signed quote and PO); every move records who and when;
the customer makes only the signed-quote move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.errors import Conflict, InvalidInput, PermissionDenied
from pledgedesk.proservices.engagements import (
    Facts,
    customer_moves,
    engagement_move,
    engagement_request,
    spec_of,
    stages_of,
)
from pledgedesk.proservices.models import EngagementMove
from pledgedesk.tickets.services import Actor
from tests.factories import T0, agent, contact, organisation
from tests.proservices.helpers import FG, RK, fg_world

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=1)


def pdf(name="quote.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 signed", content_type="application/pdf")


@pytest.fixture
def fg():
    return fg_world(by_customer=True)


def move(engagement, stage, who, facts=None, at=NOW):
    actor = Actor(channel="console", agent=who) if hasattr(who, "roles") else \
        Actor(channel="portal", contact=who)
    return engagement_move(engagement=engagement, to_stage=stage, actor=actor,
                           facts=facts or Facts(),
                           expected_version=None, now=at)


def test_the_pipeline_runs_in_order_and_records_who_and_when(fg):
    _org, primary, pm, made = fg
    engineer = agent(name="Ian Installer")
    move(made, "quoted", pm, Facts(document=pdf("quote.pdf")))
    move(made, "quote_signed", primary, Facts(document=pdf("signed.pdf"), po_number="PO-77"))
    move(made, "pm_assigned", pm, Facts(project_manager=pm))
    move(made, "scheduled", pm, Facts(scheduled_at=NOW + timedelta(days=9)))  # skips two
    done = move(made, "engineer_assigned", pm, Facts(engineer=engineer))
    assert done.stage == "engineer_assigned" and done.po_number == "PO-77"
    assert done.engineer == engineer and done.documents.count() == 2
    moves = list(EngagementMove.objects.filter(engagement=made).order_by("pk"))
    assert [(m.from_stage, m.to_stage) for m in moves] == [
        ("", "requested"), ("requested", "quoted"), ("quoted", "quote_signed"),
        ("quote_signed", "pm_assigned"), ("pm_assigned", "scheduled"),
        ("scheduled", "engineer_assigned")]
    assert moves[2].contact == primary and moves[2].agent is None
    assert moves[2].facts == {"po_number": "PO-77", "document": "signed.pdf"}
    assert all(m.at for m in moves) and moves[3].agent == pm
    states = {v.spec.key: v.state for v in stages_of(done, spec_of(done, now=NOW))}
    assert states["overview_meeting"] == "skipped" and states["done"] == "ahead"


def test_no_scheduling_without_the_signed_quote_and_po(fg):
    _, _, pm, made = fg
    with pytest.raises(Conflict) as skipped:
        move(made, "scheduled", pm, Facts(scheduled_at=NOW))
    assert skipped.value.field == "stage"
    assert "'Quote signed with purchase order' is required" in str(skipped.value)
    assert EngagementMove.objects.filter(engagement=made).count() == 1


def test_moves_go_forward_and_need_what_the_stage_needs(fg):
    _, primary, pm, made = fg
    with pytest.raises(InvalidInput) as missing:
        move(made, "quote_signed", primary, Facts(document=pdf()))
    assert missing.value.field == "po_number"
    move(made, "quote_signed", primary, Facts(document=pdf(), po_number="PO-1"))
    made.refresh_from_db()
    with pytest.raises(Conflict, match="moves forward only"):
        move(made, "quoted", pm, Facts(document=pdf()))
    with pytest.raises(InvalidInput) as unknown:
        move(made, "teleported", pm)
    assert unknown.value.field == "stage"


def test_the_customer_only_signs_and_only_their_own(fg):
    org, primary, _pm, made = fg
    assert [s.key for s in customer_moves(made, spec_of(made, now=NOW))] == ["quote_signed"]
    with pytest.raises(PermissionDenied):
        move(made, "quoted", primary, Facts(document=pdf()))
    stranger = contact(organisation(FG), role="primary")
    with pytest.raises(PermissionDenied):
        move(made, "quote_signed", stranger, Facts(document=pdf(), po_number="PO-9"))
    colleague = contact(org)
    with pytest.raises(PermissionDenied):
        move(made, "quote_signed", colleague, Facts(document=pdf(), po_number="PO-9"))


def test_a_stale_version_is_a_conflict_and_requests_are_checked(fg):
    org, _primary, pm, made = fg
    with pytest.raises(Conflict) as stale:
        engagement_move(engagement=made, to_stage="quoted", facts=Facts(document=pdf()),
                        actor=Actor(channel="console", agent=pm), expected_version=7, now=NOW)
    assert stale.value.field == "version"
    with pytest.raises(InvalidInput) as kind:
        engagement_request(organisation=org, kind="gardening", title="x", ticket=None,
                           actor=Actor(channel="console", agent=pm), now=NOW)
    assert kind.value.field == "kind" and "health_check" in str(kind.value)
    with pytest.raises(InvalidInput, match="no engagement pipeline"):
        engagement_request(organisation=organisation(RK), kind="install", title="x",
                           ticket=None, actor=Actor(channel="console", agent=pm), now=NOW)
