"""The console's outbox page: agents see what waits and what failed, and retry a failure."""

from __future__ import annotations

import pytest

from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import PermanentFailure
from pledgedesk.outbox.services import enqueue
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, organisation, person, staff

pytestmark = pytest.mark.django_db

PAGE = "/console/outbox/"


@pytest.fixture
def failed(monkeypatch):
    from pledgedesk.outbox import registry

    def refuse(row, *, now):
        raise PermanentFailure("550 5.1.1 <gone@example.com>: no such user")

    monkeypatch.setitem(registry._handlers, "probe",
                        registry.Handler("probe", refuse, 1, 1, 1))
    enqueue(topic="probe", key="mail:reply:17", payload={}, now=NOW)
    enqueue(topic="probe", key="mail:reply:18", payload={}, now=NOW, not_before=NOW.replace(
        year=2027))
    drain(now=NOW)
    return Delivery.objects.get(key="mail:reply:17")


def test_an_agent_sees_the_backlog_and_each_failure_with_its_reason(client, failed, at_now):
    client.force_login(staff().user)
    page = client.get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200
    assert "mail:reply:17" in text and "no such user" in text
    assert "mail:reply:18" not in text  # pending, counted in the backlog
    assert "<td>probe</td><td>pending</td><td>1</td>" in text


def test_retry_puts_the_failure_back_in_the_queue(client, failed, at_now):
    client.force_login(staff().user)
    response = client.post(f"{PAGE}{failed.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == PAGE
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.next_attempt_at) == ("pending", 0, NOW)
    again = client.post(f"{PAGE}{failed.pk}/retry/", follow=True)
    assert "only a failed delivery can be retried" in again.content.decode()
    assert client.post(f"{PAGE}999999/retry/").status_code == 404


def test_customers_and_strangers_never_see_the_outbox(client, failed, at_now):
    assert client.get(PAGE).status_code == 302  # to sign-in
    client.force_login(person(organisation(FG)).user)
    response = client.get(PAGE)
    assert response.status_code == 302 and "sign-in" in response["Location"]
    assert client.post(f"{PAGE}{failed.pk}/retry/").status_code == 302
    failed.refresh_from_db()
    assert failed.state == "failed"
