"""The helper process of ``test_fetch_killed``: it seeds, polls and counts in the database a
killed ``pledgedesk mail fetch`` used, which is not the test process's own test database.

    python -m tests.channels.kill_runner seed            the senders of the mix, as JSON
    python -m tests.channels.kill_runner poll MINUTES    the worker's minute task, run once
                                                         with the clock MINUTES ahead
    python -m tests.channels.kill_runner rows            every inbound row, as JSON
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import timedelta


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")
    import django

    django.setup()
    if argv[0] == "seed":
        from tests.channels.people import seed_people

        print(json.dumps(asdict(seed_people())))
    elif argv[0] == "poll":
        from pledgedesk import clock
        from pledgedesk.channels.tasks import mail_poll_every_minute

        later = clock.current() + timedelta(minutes=float(argv[1]))
        with clock.use(clock.FixedClock(later)):
            mail_poll_every_minute.call_local()
    elif argv[0] == "rows":
        print(json.dumps(_rows()))
    return 0


def _rows() -> dict:
    from pledgedesk.channels.models import InboundMessage
    from pledgedesk.tickets.models import Message, Ticket

    rows = list(InboundMessage.objects.values_list(
        "message_id", "state", "ticket__number", "ticket_message_id"))
    return {"rows": rows, "tickets": Ticket.objects.count(),
            "messages": Message.objects.count()}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
