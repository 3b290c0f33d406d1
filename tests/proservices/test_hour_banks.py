"""RK-10: prepaid hour banks drawn down by billable time on Professional Services cases, the
replenish notice once per crossing of the 20 % line, and the policy's rule at zero."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connections

from pledgedesk.errors import Conflict, InvalidInput, PermissionDenied
from pledgedesk.outbox.models import Delivery
from pledgedesk.proservices.models import HourBank, PsCase, ThresholdNotice, TimeEntry
from pledgedesk.proservices.selectors import banks_of, hours, ticket_time
from pledgedesk.proservices.services import bank_buy, ps_case_open, time_log
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, organisation
from tests.outbox.helpers import drain
from tests.proservices.helpers import FG, NOW, RK, TODAY, rk_world

pytestmark = pytest.mark.django_db


def log(ticket, who, minutes, billable=True, **kw):
    return time_log(ticket=ticket, agent=who, minutes=minutes, worked_on=TODAY,
                    billable=billable, now=NOW, **kw)


def test_the_title_marker_opens_a_case_and_buying_follows_the_policy_tiers():
    org, _, engineer, bank, ticket = rk_world("Gold")
    assert PsCase.objects.get(ticket=ticket).source == "title_marker"
    assert (bank.minutes_bought, bank.balance_minutes) == (20 * 60, 20 * 60)
    assert (bank.starts_on, bank.ends_on) == (TODAY, date(2027, 1, 5))  # term_months = 12
    with pytest.raises(InvalidInput) as bad:
        bank_buy(organisation=org, tier="Bronze", starts_on=TODAY, agent=engineer, now=T0)
    assert bad.value.field == "tier" and "Silver, Gold, Platinum" in str(bad.value)
    with pytest.raises(PermissionDenied):
        bank_buy(organisation=org, tier="Gold", starts_on=TODAY, agent=None, now=T0)
    fg = organisation(FG)
    with pytest.raises(InvalidInput, match="sells no hour banks"):
        bank_buy(organisation=fg, tier="Gold", starts_on=TODAY, agent=engineer, now=T0)


def test_billable_time_on_a_case_draws_the_bank_and_other_time_does_not():
    org, primary, engineer, bank, ticket = rk_world()
    log(ticket, engineer, 90, note="Trained the admins")
    log(ticket, engineer, 15, billable=False)
    plain = ticket_create(new=NewTicket(organisation=org, requester=primary, subject="Bug",
                                        description="x", channel="portal"), now=T0)
    log(plain, engineer, 30)  # billable, but not a Professional Services case
    bank.refresh_from_db()
    assert bank.balance_minutes == 600 - 90
    entries, total = ticket_time(ticket)
    assert total == 105 and [e.bank_id for e in entries] == [bank.pk, None]
    assert hours(bank.balance_minutes) == "8 h 30 min"


def test_crossing_the_line_tells_the_primary_contact_once_per_crossing():
    org, primary, engineer, _bank, ticket = rk_world()  # 600 min; the line is 120
    log(ticket, engineer, 470)  # 130 left
    assert ThresholdNotice.objects.count() == 0
    crossed = log(ticket, engineer, 20)  # 110 left: below 20 %
    assert crossed.notice is not None and crossed.notice.crossing == 1
    log(ticket, engineer, 10)  # still below: no second notice
    assert ThresholdNotice.objects.count() == 1
    drain(now=NOW)
    sent = [m for m in mail.outbox if "hour bank" in m.subject]
    assert len(sent) == 1 and sent[0].to == [primary.emails.get().address]
    assert "below 20 %" in sent[0].subject and "1 h 50 min left" in sent[0].body
    assert "http://127.0.0.1:8000/portal/hour-banks/" in sent[0].body
    view = banks_of(org, now=NOW)[0]
    assert view.below_line and [n.crossing for n in view.notices] == [1]


def test_a_replenished_bank_crossing_again_is_a_new_notice():
    _org, _, engineer, bank, ticket = rk_world()
    log(ticket, engineer, 500)
    HourBank.objects.filter(pk=bank.pk).update(balance_minutes=400)  # topped up by staff
    log(ticket, engineer, 300)
    assert list(ThresholdNotice.objects.values_list("crossing", flat=True)) == [1, 2]
    assert Delivery.objects.filter(topic="ps-mail").count() == 2


def test_at_zero_the_rk_policy_allows_and_flags():
    _, _, engineer, bank, ticket = rk_world()
    log(ticket, engineer, 600)
    over = log(ticket, engineer, 30).entry
    bank.refresh_from_db()
    assert over.over_zero and bank.balance_minutes == -30 and bank.flagged_at == NOW


def test_at_zero_a_refusing_policy_refuses(tmp_path, settings):
    import shutil
    from pathlib import Path
    for path in Path(settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    text = (tmp_path / f"{RK}.toml").read_text(encoding="utf-8")
    (tmp_path / f"{RK}.toml").write_text(text.replace('at_zero = "allow_and_flag"',
                                                      'at_zero = "refuse"'), encoding="utf-8")
    settings.PLEDGEDESK_POLICY_DIR = str(tmp_path)
    _, _, engineer, _bank, ticket = rk_world()
    log(ticket, engineer, 590)
    with pytest.raises(Conflict) as refused:
        log(ticket, engineer, 30)
    assert refused.value.field == "minutes" and "10 minutes left" in str(refused.value)
    assert TimeEntry.objects.count() == 1


def test_no_bank_covering_the_day_is_refused_and_time_input_is_checked():
    _, _, engineer, bank, ticket = rk_world()
    HourBank.objects.filter(pk=bank.pk).update(ends_on=TODAY)  # the term ended
    with pytest.raises(Conflict, match="no hour bank covering"):
        log(ticket, engineer, 30)
    with pytest.raises(InvalidInput) as bad:
        log(ticket, engineer, 0)
    assert bad.value.field == "minutes"
    with pytest.raises(InvalidInput) as future:
        time_log(ticket=ticket, agent=engineer, minutes=5, worked_on=TODAY + timedelta(days=2),
                 billable=False, now=NOW)
    assert future.value.field == "worked_on"
    with pytest.raises(PermissionDenied):
        log(ticket, None, 5)


def test_an_agent_turns_an_out_of_scope_request_into_a_case():
    org, primary, engineer, _, _ = rk_world()
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=primary, subject="Please add a field", description="x",
        channel="portal", topic="Creating a new field"), now=T0)
    case = ps_case_open(ticket=ticket, agent=engineer, reason="Customer agreed to pay", now=NOW)
    assert case.source == "agent" and case.opened_by == engineer
    ticket.refresh_from_db()
    assert ticket.group.key == "product_services"
    with pytest.raises(Conflict):
        ps_case_open(ticket=ticket, agent=engineer, reason="again", now=NOW)
    with pytest.raises(InvalidInput):
        ps_case_open(ticket=ticket, agent=engineer, reason=" ", now=NOW)


@pytest.mark.django_db(transaction=True)
def test_two_agents_crossing_the_line_at_the_same_instant_notify_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _org, _primary, engineer, bank, ticket = rk_world()
    other = agent(name="Sam Services")
    log(ticket, engineer, 450)  # 150 left; the line is 120: each log below takes it across
    start = threading.Barrier(2)
    results: list[object] = []

    def run(who):
        try:
            start.wait(timeout=10)
            results.append(log(ticket, who, 40))
        except Exception as exc:  # reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in (engineer, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not isinstance(r, Exception) for r in results), results
    bank.refresh_from_db()
    assert bank.balance_minutes == 70 and bank.crossings == 1
    assert ThresholdNotice.objects.count() == 1
    assert Delivery.objects.filter(topic="ps-mail").count() == 1
    assert sum(r.notice is not None for r in results) == 1
