"""The console's webhook pages: administrators create a subscription and see its secret once,
change, rotate, disable and enable it, read the delivery log with each answer and replay a
delivery; nobody else gets in."""

from __future__ import annotations

import ipaddress

import pytest

from pledgedesk.outbox.models import Delivery as OutboxRow
from pledgedesk.webhooks import services
from pledgedesk.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.pages import NOW, RK, organisation, staff

pytestmark = pytest.mark.django_db
PAGE = "/console/webhooks/"
URL = "https://93.184.215.14/hooks"


@pytest.fixture(autouse=True)
def _production_addresses(settings):
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture
def admin(client, at_now):
    found = staff(roles=("administrator",), name="Ada Admin")
    client.force_login(found.user)
    return found


@pytest.fixture
def sub(admin):
    return services.subscription_create(agent=admin, name="CRM", url=URL,
                                        events=["created"], now=NOW)


def _form(**given):
    return {"name": "CRM", "url": URL, "events": ["created", "public_reply"],
            "organisation": "", **given}


def test_creating_shows_the_secret_once(client, admin):
    page = client.post(f"{PAGE}new/", _form())

    text = page.content.decode()
    found = Subscription.objects.get()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert found.secret in text and "not shown again" in text
    assert found.events == ["created", "public_reply"] and found.owner == admin
    again = client.get(f"{PAGE}{found.pk}/").content.decode()
    listed = client.get(PAGE).content.decode()
    assert found.secret not in again and found.secret not in listed
    assert "CRM" in listed and URL in listed


def test_a_bad_url_or_internal_event_is_shown_on_its_field(client, admin):
    page = client.post(f"{PAGE}new/", _form(url="http://10.1.2.3/hook"))
    assert page.status_code == 400 and "public addresses" in page.content.decode()
    page = client.post(f"{PAGE}new/", _form(events=["internal_note"]))
    assert page.status_code == 400 and "internal event" in page.content.decode()
    assert not Subscription.objects.exists()


def test_settings_are_saved_and_may_limit_to_one_organisation(client, admin, sub):
    org = organisation(RK, name="Acme Corp")
    page = client.post(f"{PAGE}{sub.subscription.pk}/",
                       _form(name="CRM (Acme)", organisation=str(org.pk),
                             include_internal="on", events=["internal_note"]))
    assert page.status_code == 302
    found = Subscription.objects.get()
    assert (found.name, found.organisation, found.include_internal, found.events) == (
        "CRM (Acme)", org, True, ["internal_note"])


def test_rotating_shows_the_new_secret_and_the_grace_period(client, admin, sub):
    page = client.post(f"{PAGE}{sub.subscription.pk}/rotate/")
    found = Subscription.objects.get()
    text = page.content.decode()
    assert found.secret != sub.secret and found.secret in text
    assert sub.secret not in text and "old secret" in text


def test_disabling_and_enabling(client, admin, sub):
    pk = sub.subscription.pk
    client.post(f"{PAGE}{pk}/active/", {"active": "0"})
    assert not Subscription.objects.get().active
    listed = client.get(PAGE).content.decode()
    assert "is disabled" in listed and "disabled by Ada Admin" in listed
    client.post(f"{PAGE}{pk}/active/", {"active": "1"})
    assert Subscription.objects.get().active


def test_the_log_shows_answers_and_a_delivery_is_replayed(client, admin, sub):
    pk = sub.subscription.pk
    delivery = Delivery.objects.create(subscription=sub.subscription, webhook_id="msg_log1",
                                       event_type="ticket.created", body='{"type":"x"}',
                                       created_at=NOW, state="failed", last_status=503)
    DeliveryAttempt.objects.create(delivery=delivery, at=NOW, status_code=503,
                                   response_body="upstream down", duration_ms=12)

    log = client.get(f"{PAGE}{pk}/").content.decode()
    detail = client.get(f"{PAGE}{pk}/deliveries/{delivery.pk}/").content.decode()
    assert "msg_log1" in log and "503" in log
    assert "upstream down" in detail and "{&quot;type&quot;:&quot;x&quot;}" in detail

    done = client.post(f"{PAGE}{pk}/deliveries/{delivery.pk}/replay/")
    assert done.status_code == 302
    assert OutboxRow.objects.get(topic="webhook").payload == {"delivery": delivery.pk,
                                                              "replay": 1}
    assert "Replay queued" in client.get(done["Location"]).content.decode()


def test_another_subscriptions_delivery_is_404(client, admin, sub):
    other = services.subscription_create(agent=admin, name="Other", url=URL,
                                         events=["created"], now=NOW).subscription
    delivery = Delivery.objects.create(subscription=sub.subscription, webhook_id="msg_z",
                                       event_type="ticket.created", body="{}", created_at=NOW)
    assert client.get(f"{PAGE}{other.pk}/deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"{PAGE}{other.pk}/deliveries/{delivery.pk}/replay/").status_code == 404
    assert client.get(f"{PAGE}999/").status_code == 404


@pytest.mark.parametrize("role", ["engineer", "support_lead"])
def test_other_agents_are_refused(client, at_now, sub, role):
    client.force_login(staff(roles=(role,)).user)
    pk = sub.subscription.pk
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{pk}/").status_code == 403
    assert client.post(f"{PAGE}{pk}/rotate/").status_code == 403
    assert client.post(f"{PAGE}new/", _form()).status_code == 403
    assert Subscription.objects.get().secret == sub.secret
    assert "Webhooks" not in client.get("/console/").content.decode()


def test_signed_out_people_are_sent_to_sign_in(client, sub):
    client.logout()
    assert client.get(PAGE).status_code == 302
    assert client.post(f"{PAGE}{sub.subscription.pk}/rotate/").status_code == 302


def test_the_nav_links_to_webhooks_for_administrators(client, admin):
    assert 'href="/console/webhooks/"' in client.get("/console/").content.decode()
