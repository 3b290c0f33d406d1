"""The queue's SLA badge and its "Breaching within 60 min" filter read one state
(``sla.timer_state_at``) and say a breach one way (issue 16): a timer stored as breached is
listed, a stale stored ``running`` row past its late instant is listed and worded like a
stored breach, and a clock met late (history, nothing more to do) is neither badged as a
breach nor listed."""

import re
from datetime import timedelta

import pytest

from pledgedesk.tickets.models import SlaTimer
from tests.pages import NOW, RK, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-number="(\d+)".*?<td class="sla-cell">(.*?)</td>', re.S)


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    return org, person(org, role="administrator"), staff(name="Maria Lopez")


def stored(ticket, metric, **values):
    SlaTimer.objects.filter(ticket=ticket, metric=metric).update(**values)


def rows(client, query="") -> dict[int, str]:
    page = client.get(f"/console/{query}").content.decode()
    return {int(n): " ".join(re.sub("<[^>]+>", " ", cell).split())
            for n, cell in ROW.findall(page)}


def test_the_breaching_filter_lists_exactly_the_tickets_the_badge_calls_breached_or_due_soon(
        client, desk, at_now):
    org, admin, maria = desk
    late = NOW - timedelta(hours=30)
    stored_breach = open_ticket(org, admin, priority="red", subject="stored breach")
    stored(stored_breach, "first_response", state="breached", due_at=late, late_at=late,
           breached_by_minutes=600)
    stale = open_ticket(org, admin, priority="red", subject="stale running")
    stored(stale, "first_response", state="running", due_at=late, late_at=late)
    met_late = open_ticket(org, admin, priority="red", subject="met late")
    stored(met_late, "first_response", state="breached", due_at=late, late_at=late,
           met_at=NOW - timedelta(hours=1), breached_by_minutes=600)
    stored(met_late, "resolution", state="paused")
    soon = open_ticket(org, admin, priority="red", subject="due soon")
    stored(soon, "first_response", state="running", due_at=NOW + timedelta(minutes=30),
           late_at=NOW + timedelta(minutes=30), warn_at=NOW - timedelta(minutes=5))
    stored(soon, "resolution", state="running", due_at=NOW + timedelta(hours=5),
           late_at=NOW + timedelta(hours=5))
    later = open_ticket(org, admin, priority="red", subject="due later")
    stored(later, "first_response", state="running", due_at=NOW + timedelta(hours=3),
           late_at=NOW + timedelta(hours=3))
    stored(later, "resolution", state="running", due_at=NOW + timedelta(hours=5),
           late_at=NOW + timedelta(hours=5))
    client.force_login(maria.user)

    every = rows(client)
    breaching = rows(client, "?breaching=1")

    assert set(breaching) == {stored_breach.number, stale.number, soon.number}
    # One wording for a breach, stored or stale: the same words for the same lateness.
    assert every[stored_breach.number].startswith("breached 1 d 6 h ago")
    assert every[stale.number].startswith("breached 1 d 6 h ago")
    assert "breached" not in every[met_late.number]
    assert every[soon.number].startswith("due in 30 min")
