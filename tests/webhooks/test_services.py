"""Managing subscriptions: administrators only, checked URLs and events, a secret shown once
and rotated with a grace period, replays of a delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.outbox.models import Delivery as OutboxRow
from pledgedesk.webhooks import services
from pledgedesk.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db
URL = "https://93.184.215.14/hooks"


def create(desk, fixed, **given):
    values = {"name": "CRM", "url": URL, "events": ["created", "public_reply"], **given}
    return services.subscription_create(agent=given.pop("agent", desk.admin), now=fixed.at,
                                        **{k: v for k, v in values.items() if k != "agent"})


def test_an_administrator_creates_a_subscription_and_sees_its_secret_once(desk, fixed):
    issued = create(desk, fixed)

    found = Subscription.objects.get()
    assert issued.secret.startswith("whsec_") and found.secret == issued.secret
    assert (found.owner, found.active, found.events) == (desk.admin, True,
                                                         ["created", "public_reply"])
    assert found.organisation is None and not found.include_internal


@pytest.mark.parametrize("role", [None, "engineer", "support_lead"])
def test_only_an_administrator_manages_webhooks(desk, fixed, role):
    who = None if role is None else desk.engineer
    if role:
        who.roles = [role]
        who.save()
    with pytest.raises(PermissionDenied):
        create(desk, fixed, agent=who)
    issued = create(desk, fixed)
    with pytest.raises(PermissionDenied):
        services.subscription_rotate_secret(agent=who, subscription_id=issued.subscription.pk,
                                            now=fixed.at)
    assert Subscription.objects.count() == 1


def test_an_inactive_administrator_is_refused(desk, fixed):
    desk.admin.active = False
    desk.admin.save()
    with pytest.raises(PermissionDenied):
        create(desk, fixed)


@pytest.mark.parametrize(("events", "says"), [
    ([], "at least one"),
    ("created", "at least one"),
    (["created", "exploded"], "'exploded' is not an event"),
    (["internal_note"], "internal_note is an internal event"),
    (["assigned"], "internal event"),
])
def test_events_are_checked_naming_the_field(desk, fixed, events, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        create(desk, fixed, events=events)
    assert refused.value.field == "events"
    assert not Subscription.objects.exists()


def test_events_accept_the_type_names_and_come_back_in_a_stable_order(desk, fixed):
    issued = create(desk, fixed, events=["ticket.public_reply", "internal_note", "created",
                                         "created"], include_internal=True)
    assert issued.subscription.events == ["created", "public_reply", "internal_note"]


def test_a_bad_url_name_or_organisation_is_refused(desk, fixed):
    with pytest.raises(InvalidInput) as refused:
        create(desk, fixed, url="http://10.0.0.1/x")  # the tests allow only the loopback
    assert refused.value.field == "url"
    with pytest.raises(InvalidInput) as refused:
        create(desk, fixed, name="  ")
    assert refused.value.field == "name"
    with pytest.raises(InvalidInput) as refused:
        create(desk, fixed, organisation=999_999)
    assert refused.value.field == "organisation"


def test_a_subscription_may_be_limited_to_one_organisation(desk, fixed):
    issued = create(desk, fixed, organisation=desk.org.pk)
    assert issued.subscription.organisation == desk.org


def test_update_checks_what_changes_and_refuses_unknown_fields(desk, fixed):
    sub = create(desk, fixed).subscription
    with pytest.raises(InvalidInput) as refused:
        services.subscription_update(agent=desk.admin, subscription_id=sub.pk,
                                     changes={"secret": "whsec_mine"}, now=fixed.at)
    assert refused.value.field == "secret"
    with pytest.raises(InvalidInput):
        services.subscription_update(agent=desk.admin, subscription_id=sub.pk,
                                     changes={"include_internal": False,
                                              "events": ["internal_note"]}, now=fixed.at)
    changed = services.subscription_update(
        agent=desk.admin, subscription_id=sub.pk,
        changes={"name": "CRM (EU)", "events": ["status_changed"]}, now=fixed.at)
    assert (changed.name, changed.events, changed.url) == ("CRM (EU)", ["status_changed"], URL)


def test_disabling_by_hand_records_who_and_enabling_clears_the_record(desk, fixed):
    sub = create(desk, fixed).subscription
    off = services.subscription_update(agent=desk.admin, subscription_id=sub.pk,
                                       changes={"active": False}, now=fixed.at)
    assert not off.active and off.disabled_at == fixed.at
    assert off.disabled_reason == "disabled by Ada Admin"
    Subscription.objects.filter(pk=sub.pk).update(consecutive_failures=7,
                                                  failing_since=fixed.at)
    on = services.subscription_update(agent=desk.admin, subscription_id=sub.pk,
                                      changes={"active": True}, now=fixed.at)
    assert on.active and on.disabled_at is None and on.disabled_reason == ""
    assert on.consecutive_failures == 0 and on.failing_since is None


def test_rotation_gives_a_new_secret_and_signs_with_both_for_a_day(desk, fixed):
    issued = create(desk, fixed)
    rotated = services.subscription_rotate_secret(
        agent=desk.admin, subscription_id=issued.subscription.pk, now=fixed.at)

    sub = Subscription.objects.get()
    assert rotated.secret != issued.secret and sub.secret == rotated.secret
    assert sub.signing_secrets(fixed.at + timedelta(hours=23)) == [rotated.secret,
                                                                    issued.secret]
    assert sub.signing_secrets(fixed.at + timedelta(hours=24)) == [rotated.secret]


def test_a_missing_subscription_is_not_found(desk, fixed):
    with pytest.raises(NotFound):
        services.subscription_rotate_secret(agent=desk.admin, subscription_id=404,
                                            now=fixed.at)


def _delivery(sub, fixed):
    return Delivery.objects.create(subscription=sub, webhook_id="msg_abc",
                                   event_type="ticket.created", body="{}", created_at=fixed.at)


def test_a_replay_is_queued_with_the_same_delivery_and_a_new_key(desk, fixed):
    sub = create(desk, fixed).subscription
    delivery = _delivery(sub, fixed)

    for _ in range(2):
        services.delivery_replay(agent=desk.admin, subscription_id=sub.pk,
                                 delivery_id=delivery.pk, now=fixed.at)

    rows = OutboxRow.objects.filter(topic="webhook").order_by("id")
    assert [r.key for r in rows] == [f"webhook:replay:{delivery.pk}:1",
                                     f"webhook:replay:{delivery.pk}:2"]
    assert rows[0].payload == {"delivery": delivery.pk, "replay": 1}


def test_a_disabled_subscription_is_not_replayed_and_deliveries_stay_in_their_own(desk,
                                                                                   fixed):
    sub = create(desk, fixed).subscription
    other = create(desk, fixed, name="Other").subscription
    delivery = _delivery(sub, fixed)
    with pytest.raises(NotFound):
        services.delivery_replay(agent=desk.admin, subscription_id=other.pk,
                                 delivery_id=delivery.pk, now=fixed.at)
    services.subscription_update(agent=desk.admin, subscription_id=sub.pk,
                                 changes={"active": False}, now=fixed.at)
    with pytest.raises(Conflict, match="enable it"):
        services.delivery_replay(agent=desk.admin, subscription_id=sub.pk,
                                 delivery_id=delivery.pk, now=fixed.at)
    assert not OutboxRow.objects.filter(topic="webhook").exists()
