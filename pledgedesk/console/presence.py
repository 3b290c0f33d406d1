"""Collision notice (issue 16): who else is viewing or typing on this ticket, live.

The ticket page polls this view every few seconds (htmx, ``hx-trigger="every 5s"``). Each poll
is the agent's heartbeat: one cache entry per ticket maps agent ids to their name and the
instant their presence expires (``VIEWING_SECONDS`` after the poll); the shared cache is Redis
or the database cache table, both shared by every web process, both expiring entries by
themselves. Typing needs no client code: an agent is typing when the reply box's draft,
which htmx saves as they type (``workspace``), changed within ``TYPING_SECONDS``. Two polls
at the same instant may drop one another's heartbeat; the next poll restores it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.console.views import _base, _ticket, agent_required
from pledgedesk.workspace.models import Draft

POLL_SECONDS = 5
VIEWING_SECONDS = 3 * POLL_SECONDS  # a missed poll or two does not make an agent vanish
TYPING_SECONDS = 10


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def heartbeat(*, ticket_id: int, agent_id: int, name: str, now: datetime) -> dict[int, dict]:
    """Record ``agent_id`` as viewing until ``now + VIEWING_SECONDS``; the others present."""
    seen = {int(k): v for k, v in (cache.get(_key(ticket_id)) or {}).items()
            if datetime.fromisoformat(v["until"]) > now}
    seen[agent_id] = {"name": name, "until": (now + timedelta(seconds=VIEWING_SECONDS))
                      .isoformat()}
    cache.set(_key(ticket_id), seen, timeout=VIEWING_SECONDS * 4)
    return {k: v for k, v in seen.items() if k != agent_id}


def others_typing(*, ticket_id: int, agent_id: int, now: datetime) -> dict[int, str]:
    rows = (Draft.objects.filter(ticket_id=ticket_id,
                                 updated_at__gt=now - timedelta(seconds=TYPING_SECONDS))
            .exclude(agent_id=agent_id).exclude(body="").select_related("agent"))
    return {d.agent_id: d.agent.name for d in rows}


@require_safe
@agent_required
def presence(request, number: int):
    found = _ticket(request, number)
    viewing = heartbeat(ticket_id=found.pk, agent_id=request.agent.pk, name=request.agent.name,
                        now=request.now)
    typing = others_typing(ticket_id=found.pk, agent_id=request.agent.pk, now=request.now)
    people = sorted({**{k: v["name"] for k, v in viewing.items()}, **typing}.items(),
                    key=lambda item: item[1])
    return render(request, "console/_presence.html", _base(
        request, ticket=found, poll=POLL_SECONDS,
        people=[(name, agent_id in typing) for agent_id, name in people]))
