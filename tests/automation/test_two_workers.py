"""Two real worker processes walk a batch of FG tickets through paging, SLA warnings, breaches,
escalation chains, notifications and signed webhooks on a clock the test sets; one of them is
killed with SIGKILL mid-run (issue 15: "Two workers on PostgreSQL + Redis ...").

Every ticket is an Urgent portal ticket of a 24x7 customer at 02:00 Saturday (FG-8: intake
pages the on-call engineer, by mail and by a signed webhook). Its 30-minute callback (FG-7)
warns at 02:15 and breaches at 02:30 with its assignment target; the breach runs three chains,
one of which waits 15 minutes before telling the support lead. A webhook subscription takes the
warnings and breaches. The workers' Huey jobs (the SLA sweep, page escalation) run on Redis and
follow the injected clock, so both workers sweep every minute, racing.

Checked: each warning, breach, escalation step, page, page send and notification exactly once;
every outbox row delivered (none lost to the kill: the killed worker's leases run out on the
injected clock and the others deliver its rows); at the loopback receiver and in the mail, every
expected delivery arrived, and only rows in flight at the kill (one per delivery thread) came
twice, each with its own id, by which receivers drop the copy.

PLEDGEDESK_TEST_RUN_TICKETS sets the number of tickets: 20 by default (about 540 outbox rows),
so the suite stays fast on a two-core machine; the same test runs 1,000 when asked (some 27,000
rows: minutes on a quiet machine).
"""

from __future__ import annotations

import collections
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.db import connection

from pledgedesk.automation.models import SweepMark
from pledgedesk.config import MAIL_DIR
from pledgedesk.notify.models import Notification
from pledgedesk.oncall.models import Page
from pledgedesk.oncall.schedules import (
    LayerSpec,
    ScheduleSpec,
    contact_method_add,
    layer_save,
    schedule_create,
)
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import TicketEvent
from pledgedesk.tickets.services import NewTicket, ticket_create
from pledgedesk.webhooks.services import subscription_create
from tests.factories import agent, contact, organisation
from tests.signin.stores import race_redis_url  # noqa: F401 (a fixture, found by name)
from tests.webhooks.receiver import Receiver, verify

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = int(os.environ.get("PLEDGEDESK_TEST_RUN_TICKETS", "20"))
SATURDAY_2AM = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)  # 02:00 Central: after hours
M = timedelta(minutes=1)
THREADS = 2  # delivery threads per worker (tests.automation.worker_clock)
LOOPBACK = "127.0.0.0/8"


def _person(name: str, roles: tuple[str, ...]):
    person = agent(name=name, roles=roles)
    person.user.email = f"{name.split()[0].lower()}@desk.example"
    person.user.save(update_fields=["email"])
    return person


def _desk(receiver: Receiver):
    org = organisation("fax-server-24x7", plans=["24x7"], timezone="America/Chicago",
                       country="US", name="Fax Co")
    requester = contact(org, authorised=True)
    eve = _person("Eve Engineer", ("engineer",))
    lead = _person("Lee Lead", ("support_lead", "administrator"))
    schedule = schedule_create(actor=lead, policy_key="fax-server-24x7", now=SATURDAY_2AM,
                               spec=ScheduleSpec(name="After hours", zone="America/Chicago",
                                                 lead_id=lead.pk, ack_timeout_minutes=120,
                                                 repeats=0))
    layer_save(actor=lead, schedule_id=schedule.pk, now=SATURDAY_2AM, spec=LayerSpec(
        name="Primary", level=0, every=1, unit="weeks", handoff_date=date(2026, 1, 5),
        handoff_time=clock_time(8), member_ids=(eve.pk,)))
    _method, page_secret = contact_method_add(agent=eve, url=receiver.url + "&to=pager",
                                              now=SATURDAY_2AM)
    issued = subscription_create(agent=lead, name="Follower", url=receiver.url,
                                 events=["sla_warning", "sla_breached"], include_internal=True,
                                 now=SATURDAY_2AM)
    return org, requester, {"pager": page_secret, "subscription": issued.secret}


class Run:
    """The injected clock and the worker processes sharing it."""

    def __init__(self, tmp_path: Path, redis_url: str | None):
        self.tmp_path, self.redis_url = tmp_path, redis_url
        self.clock = tmp_path / "clock"
        self.workers: list[subprocess.Popen] = []
        self.now = SATURDAY_2AM

    def set(self, at: datetime) -> None:
        self.now = at
        staged = self.clock.with_suffix(".new")
        staged.write_text(at.isoformat())
        staged.replace(self.clock)  # atomically: a worker never reads half an instant

    def start(self) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(PROBE_DATABASE=json.dumps({"NAME": connection.settings_dict["NAME"]}),
                   PROBE_CLOCK=str(self.clock), PLEDGEDESK_DATA_DIR=str(self.tmp_path),
                   PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS=LOOPBACK)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        # The worker's log goes to a file: a pipe nobody reads fills up on a long run and
        # blocks the worker in its next log line.
        log = self.tmp_path / f"worker-{len(self.workers)}.log"
        with log.open("wb") as sink:
            worker = subprocess.Popen([sys.executable, "-m", "tests.automation.worker_clock"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=sink)
        worker.log = log
        self.workers.append(worker)
        return worker

    def alive(self) -> list[subprocess.Popen]:
        return [w for w in self.workers if w.returncode is None and w.poll() is None]

    def settle(self, timeout: float = 120 + TICKETS) -> None:
        """Wait until a sweep ran at the injected instant and every outbox row due by then was
        delivered, except those a killed worker holds (their lease runs out on the injected
        clock; moving it on before the living workers finish their batches would expire their
        leases too, which only a clock jumping by minutes does)."""
        deadline, quiet = time.monotonic() + timeout, 0
        while quiet < 3:
            for w in self.alive():
                assert w.poll() is None, w.log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"the workers did not settle at {self.now}"
            swept = SweepMark.objects.filter(swept_to__gte=self.now).exists()
            due = Delivery.objects.filter(state="pending", next_attempt_at__lte=self.now)
            for dead in self.workers:
                if dead.returncode == -signal.SIGKILL:
                    due = due.exclude(claimed_by__regex=rf"^[^:]*:{dead.pid}/",
                                      claimed_until__gte=self.now)
            due = due.exists()
            quiet = quiet + 1 if swept and not due else 0
            time.sleep(0.2)

    def stop(self) -> None:
        for w in self.alive():
            w.send_signal(signal.SIGTERM)
        for w in self.workers:
            w.wait(timeout=30)


def _mails(directory: Path) -> list:
    found = []
    for path in sorted(directory.glob("*.log")) if directory.is_dir() else ():
        with path.open("rb") as handle:
            chunks = handle.read().split(b"\n" + b"-" * 79 + b"\n")
        found += [message_from_bytes(chunk.lstrip()) for chunk in chunks if chunk.strip()]
    return found


def _counts(rows) -> collections.Counter:
    return collections.Counter(json.dumps(r, sort_keys=True, default=str) for r in rows)


@pytest.fixture
def loopback_allowed(settings):
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = (ipaddress.ip_network(LOOPBACK),)


def test_two_workers_walk_a_run_of_tickets_exactly_once_and_lose_nothing_to_a_kill(
        tmp_path, race_redis_url, loopback_allowed):  # noqa: F811 (the fixture)
    with Receiver() as receiver:
        org, requester, secrets = _desk(receiver)
        run = Run(tmp_path, race_redis_url)
        run.set(SATURDAY_2AM)
        tickets = [ticket_create(new=NewTicket(
            organisation=org, requester=requester, subject=f"Fax line {i} down",
            description="All lines down", channel="portal", priority="urgent"),
            now=SATURDAY_2AM) for i in range(TICKETS)]
        killed = None
        try:
            run.start(), run.start()
            run.settle()  # pages
            run.set(SATURDAY_2AM + 16 * M)  # the callbacks warn (02:15)
            killed = _kill_mid_run(run, receiver)
            run.start()
            run.settle()
            run.set(SATURDAY_2AM + 31 * M)  # breaches; the killed worker's leases ran out
            run.settle()
            run.set(SATURDAY_2AM + 47 * M)  # the 24x7 chain's step after its 15-minute wait
            run.settle()
        finally:
            run.stop()
        received = list(receiver.requests)
    assert killed.returncode == -signal.SIGKILL

    _exactly_once_on_the_tickets(tickets)
    _nothing_lost_and_no_copy_but_in_flight(tickets, received, secrets, tmp_path / MAIL_DIR,
                                            run.now)


def _kill_mid_run(run: Run, receiver: Receiver) -> subprocess.Popen:
    """SIGKILL the first worker once the warnings are being delivered, before they all are."""
    deadline = time.monotonic() + 120
    while sum(r.json.get("type") == "ticket.sla_warning" for r in list(receiver.requests)
              if "to=pager" not in r.path) < max(1, TICKETS // 4):
        assert time.monotonic() < deadline, "the warnings were not delivered"
        time.sleep(0.01)
    first = run.workers[0]
    assert Delivery.objects.filter(state="pending", next_attempt_at__lte=run.now).exists()
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    return first


def _exactly_once_on_the_tickets(tickets) -> None:
    ids = [t.pk for t in tickets]
    events = TicketEvent.objects.filter(ticket_id__in=ids)
    crossings = _counts(events.filter(kind__in=["sla_warning", "sla_breached"])
                        .values_list("ticket_id", "kind", "new__metric"))
    assert max(crossings.values()) == 1, crossings.most_common(3)
    per_ticket = collections.defaultdict(set)
    for key in crossings:
        ticket, kind, metric = json.loads(key)
        per_ticket[ticket].add((kind, metric))
    assert {frozenset(v) for v in per_ticket.values()} == {frozenset({
        ("sla_warning", "first_response"), ("sla_breached", "first_response"),
        ("sla_breached", "assignment")})}
    assert len(per_ticket) == len(ids)

    steps = _counts(events.filter(kind="escalation_step").values_list(
        "ticket_id", "new__chain", "new__step", "new__round"))
    assert max(steps.values()) == 1, steps.most_common(3)
    chains = collections.defaultdict(set)
    for key in steps:
        ticket, chain, step, _round = json.loads(key)
        chains[ticket].add((chain, step))
    # FG-8: on the 24x7 plan only the Urgent chain runs at night (the others keep HelpDesk
    # hours, Monday): the on-call engineer at once, the support lead 15 minutes later.
    urgent = "urgent_callback_missed_24x7"
    assert {frozenset(v) for v in chains.values()} == {frozenset({(urgent, 1), (urgent, 2)})}
    assert len(chains) == len(ids)
    later = events.filter(kind="escalation_step", new__step=2).values_list("at", flat=True)
    assert min(later) >= SATURDAY_2AM + 45 * M

    assert sorted(Page.objects.values_list("ticket_id", flat=True)) == sorted(ids)
    sends = _counts(events.filter(kind="page_sent").values_list("ticket_id", "new__method"))
    assert max(sends.values()) == 1 and len(sends) == 2 * len(ids)  # mail and webhook
    notes = _counts(Notification.objects.values_list("agent_id", "event_id", "kind"))
    assert notes and max(notes.values()) == 1


def _nothing_lost_and_no_copy_but_in_flight(tickets, received, secrets, mail_dir,
                                            now) -> None:
    assert not Delivery.objects.exclude(state="delivered").filter(
        next_attempt_at__lte=now).exists()
    numbers = {t.number for t in tickets}
    arrivals = collections.Counter(r.webhook_id for r in received)
    bodies = {}
    for r in received:
        secret = secrets["pager" if "to=pager" in r.path else "subscription"]
        bodies[r.webhook_id] = verify(secret, r, now=datetime.fromtimestamp(
            int(r.headers["webhook-timestamp"]), tz=UTC))
    kinds = collections.Counter(
        (body.get("type"), _number(body)) for body in bodies.values())
    for number in numbers:
        for kind in ("page.triggered", "ticket.sla_warning", "ticket.sla_breached"):
            assert kinds[(kind, number)] >= 1, (kind, number)  # nothing lost
    mails = collections.Counter(m["Message-ID"] for m in _mails(mail_dir))
    pages_mailed = sum(1 for m in _mails(mail_dir) if m["Subject"].startswith("[PAGE]"))
    assert pages_mailed >= len(numbers)
    copies = sum(n - 1 for n in arrivals.values()) + sum(n - 1 for n in mails.values())
    assert copies <= THREADS, (arrivals.most_common(3), mails.most_common(3))


def _number(body: dict) -> int | None:
    ticket = (body.get("data") or {}).get("ticket") or (body.get("payload") or {}).get(
        "custom_details", {}).get("ticket") or {}
    return ticket.get("number") if isinstance(ticket, dict) else None
