"""How desk facts look on a page: instants in the viewer's zone with their offset, durations,
SLA timers with their countdown colour, sanitised message bodies. Pure functions of their
arguments (``now`` is passed in), shared by the portal and the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.safestring import SafeString, mark_safe

from pledgedesk.markdown_replies import markdown_html
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.render import zone_name
from pledgedesk.sanitise import clean_html
from pledgedesk.sla.state import timer_state_at

_BLOCK_TAGS = ("<p", "<br", "<ul", "<ol", "<pre", "<blockquote", "<table", "<h3", "<h4")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def offset_text(at: datetime) -> str:
    offset = at.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "\u2212"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def instant(at: datetime | None, tz: str | None) -> str:
    """``Mon 5 Jan 2026, 09:00 UTC-06:00``: always with the offset, so nobody guesses."""
    if at is None:
        return ""
    local = at.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {offset_text(local)}"


def duration(seconds: float | int | timedelta | None) -> str:
    """``2 h 05 min``, ``45 min``, ``3 d 4 h``; never negative."""
    if seconds is None:
        return ""
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    minutes = max(0, int(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def clean_body(body: str) -> SafeString:
    """A message body as safe HTML (``sanitise.clean_html``, the API's sanitiser too); plain
    text keeps its line breaks."""
    cleaned = clean_html(body)
    if not any(tag in cleaned.lower() for tag in _BLOCK_TAGS):
        cleaned = cleaned.replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(cleaned)  # noqa: S308 (nh3 output: an allow-list of inert markup)


def message_body(message) -> SafeString:
    """A message as safe HTML: what an agent wrote is Markdown (``markdown_replies``, issue
    16); what a customer wrote is cleaned as ``clean_body`` does."""
    if message.author_agent_id:
        return mark_safe(markdown_html(message.body))  # noqa: S308 (nh3 output)
    return clean_body(message.body)


@dataclass(frozen=True)
class TimerView:
    """One SLA timer as a person reads it."""

    metric: str
    label: str
    state: str  # running | warning | breached | paused | met | excluded | not_applicable
    css: str
    summary: str
    due_at: datetime | None
    goal_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    paused_seconds: int
    used_seconds: int
    reason: str


# What a customer calls each clock: plain words, not the policy's internal metric names
# (issue 16: customers read "Assignment" and "Callback").
CUSTOMER_WORDS = {"assignment": "Assigned to an engineer", "first_response": "First response",
                  "follow_up": "Progress update", "resolution": "Resolution"}


def timer_view(timer, policy: Policy | None, now: datetime, *,
               customer: bool = False) -> TimerView:
    """A stored ``SlaTimer`` seen at ``now``, in the state ``sla.timer_state_at`` gives it
    (the same rule the API and the queue's filters use), whatever the row last said."""
    state = str(timer_state_at(stored_state=timer.state, due_at=timer.due_at,
                               late_at=timer.late_at, warn_at=timer.warn_at, now=now))
    summary = {
        "running": _countdown(timer, now) if timer.due_at else "running",
        "warning": _countdown(timer, now) if timer.due_at else "",
        "breached": _breached(timer, now),
        "paused": "paused",
        "met": "met",
        "excluded": "excluded",
        "not_applicable": "no target",
    }.get(state, state)
    return TimerView(
        metric=timer.metric, state=state,
        label=CUSTOMER_WORDS.get(timer.metric) if customer and timer.metric in CUSTOMER_WORDS
        else metric_label(policy, timer.metric),
        css={"running": "ok", "warning": "warn", "breached": "breach"}.get(state, state),
        summary=summary, due_at=timer.due_at, goal_at=timer.goal_at, warn_at=timer.warn_at,
        met_at=timer.met_at, paused_seconds=timer.paused_seconds,
        used_seconds=timer.used_seconds, reason=timer_why(timer, policy),
    )


def timer_why(timer, policy: Policy | None) -> str:
    """Why a timer has its target, for an agent: "Red priority on the Standard plan: 4 h
    business time, on the Business hours calendar", from the ticket's plan and priority and
    the policy's labels; the engine's own note (keys and the policy path, for developers and
    the API) only when the policy cannot say (an imported ticket, no target)."""
    ticket = getattr(timer, "ticket", None)
    target = (policy.target(timer.metric, ticket.plan, ticket.priority)
              if policy is not None and ticket is not None else None)
    if target is None or not target.applies:
        return timer.reason
    spec = policy.spec
    prio = next((p.label for p in policy.priorities if p.key == ticket.priority),
                ticket.priority)
    plan = spec.plans[ticket.plan].label if ticket.plan in spec.plans else ticket.plan
    text = f"{prio} priority on the {plan} plan: {target.describe()}"
    if target.calendar and target.calendar in spec.calendars:
        text += f", on the {spec.calendars[target.calendar].label} calendar"
    if "stopped before it was met" in timer.reason:
        text += "; stopped when the ticket was solved, before it was met"
    return text


def _countdown(timer, now: datetime) -> str:
    """Time to the due instant; once that has passed at a closing time, the clock is not late
    until business time resumes (``sla.state``), so say how long until then."""
    late_at = timer.late_at or timer.due_at
    if timer.due_at > now or late_at <= timer.due_at:
        return f"due in {duration(timer.due_at - now)}"
    return f"due; late in {duration(late_at - now)}"


def _breached(timer, now: datetime) -> str:
    """One wording for every breach, whether the row says so or went stale since (issue 16:
    "breached by 5 d 23 h business time" beside "breached 1 d 5 h ago"): how long ago the
    clock became late. A breached clock that was met since is history, said as such."""
    if timer.met_at is not None:
        return "met late"
    late = timer.late_at or timer.due_at
    return f"breached {duration(now - late)} ago" if late is not None else "breached"


def metric_label(policy: Policy | None, metric: str) -> str:
    if policy is not None:
        spec = policy.spec.metrics.defined().get(metric)
        if spec is not None:
            return spec.label
    return metric.replace("_", " ").capitalize()


# Which timer a person watches first: breached, warning, running, paused, met.
_WATCH_ORDER = {"breached": 0, "warning": 1, "running": 2, "paused": 3, "met": 4}
_FAR = datetime.max.replace(tzinfo=UTC)


def next_promise(timers, policy: Policy | None, now: datetime, *,
                 customer: bool = False) -> TimerView | None:
    """The timer a person watches: the soonest running one, else a breached one, else
    paused, else the last met. ``timers`` is the ticket's prefetched rows. The choice needs
    only each row's state (issue 20: a list page built every timer's wording to show one)."""
    chosen, chosen_rank = None, None
    for timer in timers:
        state = str(timer_state_at(stored_state=timer.state, due_at=timer.due_at,
                                   late_at=timer.late_at, warn_at=timer.warn_at, now=now))
        if state not in _WATCH_ORDER:
            continue
        # A clock met late is breached for good but asks nothing more: it ranks with the met
        # ones, so the badge and the "Breaching within" filter (unmet clocks) agree.
        rank = (4 if timer.met_at is not None else _WATCH_ORDER[state], timer.due_at or _FAR)
        if chosen_rank is None or rank < chosen_rank:
            chosen, chosen_rank = timer, rank
    return None if chosen is None else timer_view(chosen, policy, now, customer=customer)


@dataclass(frozen=True)
class Row:
    """A ticket in a list: its policy's labels and the promise to watch."""

    ticket: object
    priority: str
    status: str
    promise: TimerView | None


def rows(tickets, now: datetime, *, customer: bool = False,
         timers: dict | None = None) -> list[Row]:
    """List rows for tickets whose ``timers`` and ``policy_version`` are prefetched, or with
    ``timers`` given as ticket id -> that ticket's timers. A customer watches the first
    response while it is outstanding."""
    from pledgedesk.versions.policies import policy_for

    out = []
    policies: dict[int, Policy] = {}  # one look-up per version, not per row (issue 20)
    for ticket in tickets:
        policy = policies.get(ticket.policy_version_id)
        if policy is None:
            policy = policies[ticket.policy_version_id] = policy_for(ticket.policy_version)
        held = list(ticket.timers.all()) if timers is None else timers.get(ticket.pk, [])
        promise = None
        if customer:
            first = [timer_view(t, policy, now, customer=True) for t in held
                     if t.metric == "first_response"]
            if first and first[0].state in ("running", "warning", "breached", "paused"):
                promise = first[0]
        promise = promise or next_promise(held, policy, now, customer=customer)
        status = policy.statuses.get(ticket.status)
        prio = next((p.label for p in policy.priorities if p.key == ticket.priority),
                    ticket.priority)
        out.append(Row(ticket, prio, status.label if status else ticket.status, promise))
    return out


def instant_named(at: datetime | None, tz: str | None) -> str:
    """``Mon 5 Jan 2026, 08:30 UTC-08:00 (US Pacific time)``: for customers, who know their
    zone by its name, not by its offset (the offset stays, so nobody guesses)."""
    if at is None:
        return ""
    return f"{instant(at, tz)} ({zone_name(tz or 'UTC')})"


def instant_short(at: datetime | None, tz: str | None) -> str:
    """``5 Jan, 09:00 UTC-06:00`` for lists (the year only when it is not ``now``'s)."""
    if at is None:
        return ""
    local = at.astimezone(zone(tz))
    return f"{local.day} {local:%b, %H:%M} {offset_text(local)}"
