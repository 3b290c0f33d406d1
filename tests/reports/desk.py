"""A small desk with hand-set timer verdicts, for the compliance figures.

Organisation A (RK policy: its targets are goals), received on Monday 2026-01-05:
  t1 first_response met in 1h (3600 s) before its goal; resolution (a range) met after the
     goal but within the limit.
  t2 first_response breached (stored), 2h used, 10 min paused.
  t3 first_response running, its late instant passed: breached now, as the queue sees it.
  t4 first_response excluded: "product defect".
  t5 received the week before: outside the period.
Organisation B (PR policy, every target a goal, RL-5): t6 first_response met in 30 min.
"""

from __future__ import annotations

from datetime import timedelta

from pledgedesk.tickets.models import SlaTimer
from tests.pages import NOW, PR, RK, open_ticket, organisation, person

START = NOW - timedelta(days=1)
END = NOW + timedelta(days=6)
LATER = NOW + timedelta(days=7)  # the report is read a week later


def _set(ticket, metric, **values):
    SlaTimer.objects.filter(ticket=ticket, metric=metric).update(**values)


def build():
    a, b = organisation(RK), organisation(PR, timezone="Europe/London", country="GB")
    ca, cb = person(a), person(b)
    t = {n: open_ticket(a, ca, subject=f"t{n}") for n in (1, 2, 3, 4)}
    t[5] = open_ticket(a, ca, at=NOW - timedelta(days=7), subject="t5")
    t[6] = open_ticket(b, cb, subject="t6", channel="email")
    SlaTimer.objects.exclude(metric="first_response").update(state="not_applicable")
    due, late = NOW + timedelta(hours=4), NOW + timedelta(hours=4)
    common = dict(due_at=due, late_at=late, goal_at=None)
    _set(t[1], "first_response", state="met", met_at=NOW + timedelta(hours=1),
         used_seconds=3600, **common)
    _set(t[1], "resolution", state="met", due_at=NOW + timedelta(days=3),
         late_at=NOW + timedelta(days=3), goal_at=NOW + timedelta(days=1),
         met_at=NOW + timedelta(days=2), used_seconds=2 * 9 * 3600)
    _set(t[2], "first_response", state="breached", breached_by_minutes=60,
         used_seconds=7200, paused_seconds=600, **common)
    _set(t[3], "first_response", state="running", used_seconds=900, **common)
    _set(t[4], "first_response", state="excluded", reason="product defect", due_at=None,
         late_at=None)
    _set(t[5], "first_response", state="breached", used_seconds=99999, **common)
    _set(t[6], "first_response", state="met", met_at=NOW + timedelta(minutes=30),
         used_seconds=1800, **common)
    return a, b, t
