"""The customer-facing support policy page, generated from the policy file (never hand-written).

:func:`document` turns a compiled policy into a list of neutral blocks (headings, paragraphs,
lists, tables); :func:`to_markdown` and :func:`to_html` only format those blocks, so the two
formats always say the same thing. Every piece of text in the HTML is escaped. ``note`` fields
are for the policy's authors (where a value is a choice, not the source document's word) and
are never shown to customers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import holidays

from pledgedesk.policy.compile import Policy, ResolvedTarget
from pledgedesk.policy.durations import format_duration
from pledgedesk.policy.schema import (
    DAY_NAMES,
    METRIC_KEYS,
    ORGANISATION,
    CalendarSpec,
    ChannelSpec,
    HolidaySet,
    OutOfScope,
)

_DAY_LABELS = dict(zip(DAY_NAMES, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday", "Sunday"), strict=True))
_WHO = {
    "any_contact": "Any contact of your organisation may open a ticket.",
    "administrators": "Only your organisation's administrators may open tickets.",
    "authorised_personnel": "Only authorised personnel listed on your account may open tickets.",
}


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | h3 | p | ul | table
    text: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def holiday_names(hol: HolidaySet, year: int) -> list[str]:
    """The names of a fixed holiday set in ``year``, in date order (observed days folded in),
    so the page names exactly the holidays the calendar closes on."""
    found = holidays.country_holidays(hol.country, subdiv=hol.subdiv, years=year,
                                      categories=hol.categories, observed=hol.observed)
    names: list[str] = []
    for _, name in sorted(found.items()):
        for one in name.split("; "):
            base = one.removesuffix(" (observed)")
            if hol.include is not None and one not in hol.include and base not in hol.include:
                continue
            if one in hol.exclude or base in hol.exclude or base in names:
                continue
            names.append(base)
    return names


def _hours(spec: CalendarSpec, year: int) -> list[str]:
    if spec.always_open:
        return ["Every day, 24 hours a day."]
    zone = ("your own local time zone" if spec.timezone == ORGANISATION else spec.timezone)
    lines = []
    days = spec.weekly_by_day()
    groups: list[tuple[list[str], tuple]] = []
    for day, windows in days.items():
        key = tuple(windows)
        prev = DAY_NAMES[DAY_NAMES.index(day) - 1] if day != "mon" else None
        if groups and groups[-1][1] == key and groups[-1][0][-1] == prev:
            groups[-1][0].append(day)
        else:
            groups.append(([day], key))
    for group, windows in groups:
        label = (_DAY_LABELS[group[0]] if len(group) == 1
                 else f"{_DAY_LABELS[group[0]]} to {_DAY_LABELS[group[-1]]}")
        spans = ", ".join(f"{a}-{b}" for a, b in windows)
        lines.append(f"{label}: {spans} ({zone}).")
    hol = spec.holidays
    if hol is None:
        lines.append("Open on public holidays.")
    elif hol.source == ORGANISATION:
        lines.append("Closed on the public holidays of your own country and region.")
    else:
        region = hol.country + (f"-{hol.subdiv}" if hol.subdiv else "")
        names = holiday_names(hol, year)
        lines.append(f"Closed on {region} public holidays" + (f": {', '.join(names)}."
                                                               if names else "."))
    if spec.closed:
        lines.append("Also closed on " + ", ".join(d.isoformat() for d in spec.closed) + ".")
    return lines


def promise(target: ResolvedTarget | None, policy: Policy) -> str:
    """A target as the customer reads it."""
    if target is None or target.kind == "none":
        return "No target"
    cal = policy.spec.calendars[target.calendar].label
    if target.kind == "cutoff":
        return (f"Received before {target.cutoff}: the same business day; later: by the "
                f"next business morning ({cal})")
    if target.kind == "business_days":
        if target.goal == target.limit:
            days = "day" if target.limit == 1 else "days"
            return f"Within {target.limit} business {days} ({cal})"
        return f"{target.goal}-{target.limit} business days ({cal})"
    if target.goal == target.limit:
        return f"Within {_span(target.limit)} ({cal})"
    goal, limit = _span(target.goal), _span(target.limit)
    if goal.endswith(" hours") or goal == "1 hour":
        goal = goal.split(" ")[0]
        if limit.endswith(" hours"):
            return f"{goal} to {limit} ({cal})"
        goal = _span(target.goal)
    return f"{goal} to {limit} ({cal})"


def _span(value) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if minutes < 60:
        return f"{minutes} minutes"
    return format_duration(value)


def document(policy: Policy) -> list[Block]:
    """The page's blocks, section by section, in the order a customer reads them."""
    sections = (_heading, _reach, _calendars, _priorities, _promises, _plans, _statuses,
                _exclusions, _intake, _scope, _paid_teams, _escalation, _self_help, _contact)
    return [block for section in sections for block in section(policy)]


def _heading(policy: Policy) -> list[Block]:
    meta = policy.spec.policy
    return [Block("h1", meta.name),
            Block("p", f"Version {meta.version}, effective {meta.effective.isoformat()}."),
            Block("p", meta.summary)]


def _reach(policy: Policy) -> list[Block]:
    items = tuple(_channel(policy, ch) for ch in policy.spec.channels.offered().values())
    return [Block("h2", "How to reach us"), Block("ul", items=items)]


def _channel(policy: Policy, ch: ChannelSpec) -> str:
    text = f"{ch.label}: {ch.description}"
    if ch.address:
        text += f" ({ch.address})"
    if ch.fields:
        text += f" Include: {', '.join(ch.fields)}."
    if ch.priority:
        text += f" Tickets from here are {policy.priority(ch.priority).label}."
    elif not ch.sets_priority:
        text += (" You cannot set a priority here; "
                 f"{policy.priority(policy.default_priority).label} applies.")
    if ch.plans:
        labels = ", ".join(policy.spec.plans[p].label for p in ch.plans)
        text += f" Only for: {labels}."
    return text


def _calendars(policy: Policy) -> list[Block]:
    spec, meta = policy.spec, policy.spec.policy
    out = [Block("h2", "Hours")]
    hours_first = [meta.hours_calendar] + [n for n in spec.calendars if n != meta.hours_calendar]
    for name in hours_first:
        cal = spec.calendars[name]
        out.append(Block("h3", cal.label))
        if cal.description:
            out.append(Block("p", cal.description))
        out.append(Block("ul", items=tuple(_hours(cal, meta.effective.year))))
    return out


def _priorities(policy: Policy) -> list[Block]:
    spec = policy.spec
    rows = []
    for prio in policy.priorities:
        notes = []
        if prio.default:
            notes.append("default")
        if prio.plans:
            notes.append("only for " + ", ".join(spec.plans[p].label for p in prio.plans))
        rows.append((prio.label, prio.description, "; ".join(notes)))
    # What the queue does, for every policy (``schema.QUEUE_ORDER``; the selector's keyset on
    # priority rank, time received and id): nothing else may be promised here.
    return [Block("h2", "Priorities"),
            Block("table", header=("Priority", "Meaning", "Notes"), rows=tuple(rows)),
            Block("p", "Tickets are worked by priority, highest first; tickets of the same "
                       "priority in the order they were received, oldest first.")]


def _promises(policy: Policy) -> list[Block]:
    spec, meta = policy.spec, policy.spec.policy
    out = [Block("h2", "What we promise")]
    if meta.targets_are == "goals":
        out.append(Block("p", "These targets are goals, not guarantees."))
    if meta.targets_note:
        out.append(Block("p", meta.targets_note))
    metrics = spec.metrics.defined()
    for metric in METRIC_KEYS:
        if metric in metrics:
            out += [Block("h3", metrics[metric].label), Block("p", metrics[metric].description),
                    _targets(policy, metric)]
    return out


def _targets(policy: Policy, metric: str) -> Block:
    """One metric's targets by priority, a column per plan; one column when no plan differs."""
    plans = list(policy.spec.plans)
    header = ("Priority", *(policy.spec.plans[p].label for p in plans))
    rows = [(prio.label, *(promise(policy.target(metric, p, prio.key), policy)
                           for p in plans))
            for prio in policy.priorities]
    if all(len(set(row[1:])) == 1 for row in rows):
        header, rows = ("Priority", "Target"), [(row[0], row[1]) for row in rows]
    return Block("table", header=header, rows=tuple(rows))


def _plans(policy: Policy) -> list[Block]:
    out = [Block("h2", "Plans")]
    for key, plan in policy.spec.plans.items():
        out += [Block("h3", plan.label), Block("p", plan.description)]
        extras = list(plan.benefits) + _paging(policy, key)
        if extras:
            out.append(Block("ul", items=tuple(extras)))
    return out


def _paging(policy: Policy, plan: str) -> list[str]:
    """What paging the on-call engineer means for a plan, or nothing when it does not page."""
    paging = policy.paging_plan(plan)
    if paging is None:
        return []
    spec = policy.spec
    prios = ", ".join(policy.priority(p).label for p in paging.priorities)
    chans = ", ".join(spec.channels.offered()[c].label for c in paging.channels)
    lines = [f"Outside {spec.calendars[paging.outside].label}, {prios} tickets "
             f"from {chans} page the on-call engineer. {paging.covers}"]
    if paging.rotation:
        lines.append(paging.rotation)
    return lines


def _statuses(policy: Policy) -> list[Block]:
    rows = tuple((s.label, s.description) for s in policy.spec.statuses.values())
    return [Block("h2", "Ticket statuses"),
            Block("table", header=("Status", "Meaning"), rows=rows)]


def _exclusions(policy: Policy) -> list[Block]:
    exclusions = policy.spec.exclusions
    if not exclusions:
        return []
    return [Block("h2", "What resolution targets do not take into account"),
            Block("ul", items=tuple(f"{e.label}: {e.description}"
                                    for e in exclusions.values()))]


def _intake(policy: Policy) -> list[Block]:
    spec = policy.spec
    intake = spec.intake
    lines = [_WHO[intake.who_may_open], intake.description]
    if intake.access_granted_by:
        lines.append(f"Access is granted at the request of your {intake.access_granted_by}.")
    if intake.temporary_access_confirmed_by:
        lines.append("Temporary access can be granted and is confirmed by your "
                     f"{intake.temporary_access_confirmed_by}.")
    if intake.verify_identity_for:
        lines.append("We verify your identity before releasing "
                     + ", ".join(intake.verify_identity_for) + ".")
    if intake.refuse:
        lines.append("We refuse service to " + ", ".join(intake.refuse) + ".")
    if intake.support_lead_may_ban:
        lines.append("Abusive requesters may be banned from support by the support lead.")
    if intake.unlimited_tickets:
        lines.append("Your contract includes unlimited tickets.")
    for marker in intake.title_markers:
        lines.append(f"Put \"{marker.contains}\" in the title to reach "
                     f"{spec.teams[marker.team].label}.")
    if intake.feature_requests_to:
        team = spec.teams[intake.feature_requests_to].label
        lines.append(f"Feature requests are passed to {team}.")
    return [Block("h2", "Who may open a ticket"), Block("ul", items=tuple(lines))]


def _scope(policy: Policy) -> list[Block]:
    scope = policy.spec.scope
    out = [Block("h2", "What support covers"), Block("p", scope.description),
           Block("ul", items=scope.in_scope)]
    if scope.out_of_scope:
        out += [Block("h3", "Not covered"),
                Block("ul", items=tuple(_not_covered(policy, i) for i in scope.out_of_scope))]
    if scope.courtesy:
        c = scope.courtesy
        out += [Block("h3", "Courtesy work"),
                Block("p", f"{c.description} Typically under {c.typical_minutes} minutes"
                           + (", best effort." if c.best_effort else "."))]
    return out


def _not_covered(policy: Policy, item: OutOfScope) -> str:
    spec = policy.spec
    text = item.topic
    if item.route:
        team = spec.teams[item.route]
        text += f": {team.label}" + (" (paid)" if team.paid else "")
    if item.except_plans:
        text += " (included with " + ", ".join(
            spec.plans[p].label for p in item.except_plans) + ")"
    return text


def _paid_teams(policy: Policy) -> list[Block]:
    out = []
    for team in (t for t in policy.spec.teams.values() if t.paid):
        out += [Block("h2", team.label), Block("p", team.description)]
        if team.hour_banks:
            out.append(Block("ul", items=tuple(f"{b.name}: {b.hours} hours"
                                               for b in team.hour_banks)))
        if team.replenish_below:
            out.append(Block("p", "We recommend replenishing when the balance falls below "
                                  f"{round(team.replenish_below * 100)}%."))
        if team.process:
            out.append(Block("ul", items=team.process))
    return out


def _escalation(policy: Policy) -> list[Block]:
    escalation = policy.spec.escalation
    if not escalation:
        return []
    return [Block("h2", "Escalation"), Block("p", escalation.description)]


def _self_help(policy: Policy) -> list[Block]:
    resources = policy.spec.policy.resources
    if not resources:
        return []
    return [Block("h2", "Self-help"), Block("ul", items=tuple(
        f"{r.label}" + (f": {r.description}" if r.description else "")
        + (f" ({r.url})" if r.url else "") for r in resources))]


def _contact(policy: Policy) -> list[Block]:
    meta = policy.spec.policy
    lines = [f"Questions about this policy or escalations: {meta.contact}."]
    if meta.agents_may_make_exceptions:
        lines.append("Our staff may make an exception to this policy in your favour; "
                     "each exception is recorded with its reason.")
    if meta.changes_announced_on:
        lines.append("Changes to this policy are announced on "
                     + " and ".join(meta.changes_announced_on) + ".")
    return [Block("h2", "Contact"), Block("ul", items=tuple(lines))]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "ul":
            lines += [f"- {item}" for item in b.items] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_html(blocks: list[Block], title: str) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(title)}</title>", "</head>", "<body>", "<main>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            parts.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            parts.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th scope=\"col\">{e(h)}</th>" for h in b.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                           for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def render(policy: Policy, fmt: str = "markdown") -> str:
    blocks = document(policy)
    if fmt == "html":
        return to_html(blocks, policy.name)
    return to_markdown(blocks)
