#!/usr/bin/env python3
"""Outbound mail benchmark (issue 14): messages delivered per second to a local SMTP server
through the real path. A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/mail_out_bench.py                       # SQLite, 1,000 mails
    .venv/bin/python benchmarks/mail_out_bench.py --messages 2000
    .venv/bin/python benchmarks/mail_out_bench.py --database postgresql

1. A throwaway database (a temp data directory with SQLite, or ``scripts/pgdb create`` on
   PostgreSQL), migrated; one organisation on the Rethink policy (``crm-severity-colours``)
   with 50 contacts; an aiosmtpd server on a free loopback port, Django's SMTP backend pointed
   at it (what ``PLEDGEDESK_SMTP_URL`` selects).
2. Untimed: tickets opened through ``ticket_create`` (each writes its ``ticket.event`` outbox
   row), and agent replies through ``ticket_reply``, every fourth with a 20 kB attachment:
   two thirds acknowledgements, one third replies.
3. Timed: the outbox drained as the worker does (``claim_due`` + ``deliver_one``): the
   ``mail-out`` planner fans each event out, the ``mail`` handler renders, stores the
   ``OutboundMessage`` with its Message-ID and sends it over SMTP (a new connection per
   message, as the handler does). Printed: mails per second over the whole drain, per second
   of the mail handler's own time, and per second of this process's CPU time (which a busy
   machine's other processes do not inflate); every mail is checked to have arrived once.

``outbound_rate(messages=...)`` does steps 2-3 inside an already set-up Django and returns the
figures, for ``benchmarks/mail_bench.py`` to print beside the inbound rate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
POLICY = "crm-severity-colours"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday 09:00 US Central: business hours
CONTACTS = 50


def log(text: str) -> None:
    print(text, flush=True)


def django_start(data_dir: Path, database_url: str | None) -> None:
    os.environ["PLEDGEDESK_DATA_DIR"] = str(data_dir)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def outbound_rate(*, messages: int = 1000) -> dict:
    """Deliver ``messages`` outbound mails (two thirds acknowledgements, one third replies)
    to a local aiosmtpd server through the outbox and the mail handler; the figures."""
    import logging

    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.urls import reverse

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    reverse("portal:tickets")  # the URLconf, imported once by a worker's first mail
    server = _Sink()
    port = _free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port,
                            server_hostname="localhost")
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.PLEDGEDESK_MAIL_AUTO_LIMIT = messages  # one contact gets many acknowledgements
        planned = _load(messages)
        figures = _drain()
    finally:
        controller.stop()
    if server.count != planned:
        raise SystemExit(f"expected {planned} mails at the SMTP server, it received "
                         f"{server.count}")
    from pledgedesk.channels.models import OutboundMessage

    ids = OutboundMessage.objects.values_list("message_id", flat=True)
    if len(set(ids)) != planned or len(set(server.message_ids)) != planned:
        raise SystemExit("a mail was sent twice or a Message-ID repeated")
    return {"messages": planned, **figures}


class _Sink:
    def __init__(self) -> None:
        self.count = 0
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.message_ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _load(messages: int) -> int:
    """Tickets and replies whose events call for ``messages`` mails; the number planned."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from pledgedesk.accounts.models import Agent, Contact, ContactEmail, Organisation
    from pledgedesk.tickets.services import Actor, NewTicket, ticket_create, ticket_reply

    org = Organisation.objects.create(name="Bench Org", policy_key=POLICY, plans=["standard"],
                                      timezone="America/Chicago", created_at=NOW)
    people = []
    for n in range(CONTACTS):
        person = Contact.objects.create(organisation=org, name=f"Customer {n}", created_at=NOW)
        ContactEmail.objects.create(contact=person, address=f"customer{n}@bench.example")
        people.append(person)
    user = get_user_model().objects.create_user("bench-agent")
    agent = Actor(channel="console", agent=Agent.objects.create(user=user, name="Bench Agent",
                                                                roles=["engineer"]))
    acknowledgements = messages - messages // 3
    tickets = [ticket_create(new=NewTicket(
        organisation=org, requester=people[i % CONTACTS], channel="portal",
        subject=f"Bench request {i}", description="The printer is on fire.\n" * 5),
        now=NOW + timedelta(seconds=i)) for i in range(acknowledgements)]
    for i in range(messages // 3):
        files = []
        if i % 4 == 0:
            upload = ContentFile(os.urandom(20_000), name=f"trace-{i}.bin")
            upload.content_type = "application/octet-stream"
            files.append(upload)
        ticket_reply(ticket=tickets[i], actor=agent, body="Please try again now.\n" * 3,
                     files=files, expected_version=None,
                     now=NOW + timedelta(seconds=acknowledgements + i))
    return messages


def _drain() -> dict:
    from pledgedesk.outbox.models import Delivery
    from pledgedesk.outbox.services import claim_due, deliver_one

    at = NOW + timedelta(hours=1)
    spent: dict[str, float] = defaultdict(float)
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        rows = claim_due(now=at, worker="bench", limit=200)
        if not rows:
            break
        for row in rows:
            began = time.perf_counter()
            deliver_one(row, now=at)
            spent[row.topic] += time.perf_counter() - began
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    failed = Delivery.objects.exclude(state=Delivery.State.DELIVERED).count()
    if failed:
        raise SystemExit(f"{failed} deliveries did not go out")
    mails = Delivery.objects.filter(topic="mail").count()
    return {"seconds": total, "per_second": mails / total, "cpu_seconds": cpu,
            "per_cpu_second": mails / cpu,
            "handler_seconds": spent["mail"], "handler_per_second": mails / spent["mail"],
            "planning_seconds": spent["ticket.event"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pd-mail-out-") as data:
        database_url, db = None, None
        if args.database == "postgresql":
            db = f"pd_mail_out_{os.getpid()}"
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pgdb"), "create", db],
                           check=True)
            database_url = f"{PG_SERVER}/{db}"
        try:
            django_start(Path(data), database_url)
            log(f"loading {args.messages} mails' worth of tickets and replies "
                f"({args.database}) ...")
            figures = outbound_rate(messages=args.messages)
        finally:
            if db is not None:
                from django.db import connections

                connections.close_all()
                subprocess.run([sys.executable, str(ROOT / "scripts" / "pgdb"), "drop", db],
                               check=True)
    log(f"outbound mail ({args.database}): {figures['messages']} messages delivered to a local "
        f"SMTP server in {figures['seconds']:.2f} s: {figures['per_second']:.0f} messages/s "
        f"(the mail handler alone: {figures['handler_per_second']:.0f}/s; planning "
        f"{figures['planning_seconds']:.2f} s); {figures['cpu_seconds']:.2f} s of this "
        f"process's CPU (SMTP server thread included): "
        f"{figures['per_cpu_second']:.0f} messages per CPU-second")


if __name__ == "__main__":
    main()
