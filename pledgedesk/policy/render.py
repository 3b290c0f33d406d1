"""The customer-facing support policy page, generated from the policy file (never hand-written).

:func:`document` turns a compiled policy, and what this deployment serves, into a list of
neutral blocks (headings, paragraphs, lists, tables); :func:`to_markdown`, :func:`to_html` and
the portal's template only format those blocks, so every format says the same thing. Every
piece of text in the HTML is escaped.

What the page says, and why (issue 21):

- Only what the desk can do: a channel, resource, plan or feature the
  :class:`~pledgedesk.policy.deployment.Deployment` lacks is left out, and
  :func:`~pledgedesk.policy.deployment.lacks` (``policy check``) warns about exactly those.
- The support team's own choices are marked: a value with a ``choice`` carries a superscript
  number that points to the closing "Notes", in the file's customer words. ``note`` fields are
  for the file's authors and never shown.
- Soft promises stay soft: a page whose targets are all goals is headed "What we aim for"; a
  page that mixes them labels each goal.
- Each fact is printed once, zones and holiday sets are named as a customer says them, and no
  target cell nests brackets.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from pledgedesk.policy.compile import Policy, ResolvedTarget
from pledgedesk.policy.deployment import Deployment
from pledgedesk.policy.durations import format_duration
from pledgedesk.policy.schema import (
    DAY_NAMES,
    METRIC_KEYS,
    ORGANISATION,
    CalendarSpec,
    ChannelSpec,
    HolidaySet,
    OutOfScope,
    PolicyFile,
)

_DAY_LABELS = dict(zip(DAY_NAMES, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday", "Sunday"), strict=True))
_WHO = {
    "any_contact": "Any contact of your organisation may open a ticket.",
    "administrators": "Only your organisation's administrators may open tickets.",
    "authorised_personnel": "Only authorised personnel listed on your account may open tickets.",
}
# Zones as customers name them; any other zone reads as "<city> time", never an IANA id.
_ZONES = {
    "America/New_York": "US Eastern time", "America/Chicago": "US Central time",
    "America/Denver": "US Mountain time", "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "US Pacific time", "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time", "Europe/London": "UK time", "UTC": "UTC",
    "Etc/UTC": "UTC",
}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_QUEUE_ORDER = ("Tickets are worked by priority, highest first; tickets of the same priority in "
                "the order they were received, oldest first.")


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | h3 | p | ul | ol | table
    text: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class _Page:
    """What the sections share while the page is built: the policy, what this deployment
    serves, and the notes the marks point to, numbered in reading order."""

    policy: Policy
    serves: Deployment
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self) -> PolicyFile:
        return self.policy.spec

    def mark(self, choice: str | None) -> str:
        """The superscript number of ``choice`` among the notes; "" when there is none."""
        if not choice:
            return ""
        if choice not in self.notes:
            self.notes.append(choice)
        return str(self.notes.index(choice) + 1).translate(_SUPERSCRIPT)

    def plans(self) -> list[str]:
        """The plans this deployment can offer, in the file's order."""
        return [p for p in self.spec.plans if self.serves.serves_plan(self.spec, p)]


def _ul(items) -> Block:
    """A list with no item printed twice."""
    return Block("ul", items=tuple(dict.fromkeys(i for i in items if i)))


def _and(items, word: str = "and") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


# --- names a customer reads ------------------------------------------------------------------


def zone_name(tz: str) -> str:
    if tz == ORGANISATION:
        return "your local time"
    return _ZONES.get(tz) or f"{tz.rsplit('/', 1)[-1].replace('_', ' ')} time"


def _localised(hol: HolidaySet, year: int) -> dict[date, str]:
    """The holidays' names in the country's own English ("Labour Day" in Canada)."""
    import holidays  # loaded when a page names holidays, not with every web worker

    base = holidays.country_holidays(hol.country, subdiv=hol.subdiv)
    own = f"en_{hol.country}"
    languages = base.supported_languages
    language = own if own in languages else "en_US" if "en_US" in languages else None
    return dict(holidays.country_holidays(hol.country, subdiv=hol.subdiv, years=year,
                                          categories=hol.categories, observed=hol.observed,
                                          language=language))


def holiday_names(hol: HolidaySet, year: int) -> list[str]:
    """The names of a fixed holiday set in ``year``, in date order (observed days folded in),
    so the page names exactly the holidays the calendar closes on. ``include``/``exclude``
    match the package's own names, as the calendar does; the page shows the localised ones."""
    import holidays  # loaded when a page names holidays, not with every web worker

    found = holidays.country_holidays(hol.country, subdiv=hol.subdiv, years=year,
                                      categories=hol.categories, observed=hol.observed)
    shown = _localised(hol, year)
    names: list[str] = []
    for day, name in sorted(found.items()):
        parts, local = name.split("; "), shown.get(day, name).split("; ")
        for one, display in zip(parts, local if len(local) == len(parts) else parts,
                                strict=True):
            base = one.removesuffix(" (observed)")
            if hol.include is not None and one not in hol.include and base not in hol.include:
                continue
            if one in hol.exclude or base in hol.exclude:
                continue
            display = re.sub(r" \(observed\)$", "", display)
            if display not in names:
                names.append(display)
    return names


def holiday_set_name(hol: HolidaySet) -> str:
    """"Canadian national holidays" when the file names the set; else the country spelt out
    ("the public holidays of United States"), never a bare code ("CA" reads as California)."""
    import holidays  # loaded when a page names holidays, not with every web worker
    from holidays.registry import COUNTRIES

    if hol.source == ORGANISATION:
        return "the public holidays of your own country and region"
    if hol.label:
        return hol.label
    country = next((v[0] for v in COUNTRIES.values() if v[1] == hol.country), hol.country)
    name = re.sub(r"(?<!^)(?=[A-Z])", " ", country)
    if hol.subdiv:
        aliases = getattr(holidays.country_holidays(hol.country, subdiv=hol.subdiv),
                          "subdivisions_aliases", {})
        region = next((a for a, code in aliases.items() if code == hol.subdiv), hol.subdiv)
        name = f"{region}, {name}"
    return f"the public holidays of {name}"


def _window(start: str, end: str) -> str:
    if (start, end) == ("00:00", "24:00"):
        return "all day,"
    return f"{start} to {end}"


def _weekly(spec: CalendarSpec) -> list[str]:
    """"Monday to Friday, 08:00 to 17:00 US Central time": consecutive days with the same
    windows in one line."""
    groups: list[tuple[list[str], tuple]] = []
    for day, windows in spec.weekly_by_day().items():
        key = tuple(windows)
        prev = DAY_NAMES[DAY_NAMES.index(day) - 1] if day != "mon" else None
        if groups and groups[-1][1] == key and groups[-1][0][-1] == prev:
            groups[-1][0].append(day)
        else:
            groups.append(([day], key))
    lines = []
    for days, windows in groups:
        label = (_DAY_LABELS[days[0]] if len(days) == 1
                 else f"{_DAY_LABELS[days[0]]} to {_DAY_LABELS[days[-1]]}")
        spans = " and ".join(_window(a, b) for a, b in windows)
        lines.append(f"{label}, {spans} {zone_name(spec.timezone)}")
    return lines


# --- targets -------------------------------------------------------------------------------


def _span(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if minutes < 60:
        return f"{minutes} minutes"
    return format_duration(value)


def _range(goal, limit, say) -> str:
    """"Within 2 hours", "Within 1 to 4 hours", "Within 30 minutes to 2 hours"."""
    if goal == limit:
        return f"Within {say(limit)}"
    low, high = say(goal), say(limit)
    number, _, unit = low.partition(" ")
    if unit and unit.rstrip("s") == high.partition(" ")[2].rstrip("s"):
        low = number
    return f"Within {low} to {high}"


def _days(n: int) -> str:
    return f"{n} business day{'s' if n != 1 else ''}"


def promise(target: ResolvedTarget | None, policy: Policy) -> str:
    """A target as the customer reads it, with the time it counts in when that is not the
    policy's own hours ("Within 24 hours on business days", "Within 30 minutes at any hour")."""
    if target is None or target.kind == "none":
        return "No target"
    cal = policy.spec.calendars[target.calendar]
    if target.kind == "cutoff":
        zone = zone_name(target.cutoff_timezone or cal.timezone)
        text = (f"The same business day when received before {target.cutoff} {zone}, "
                "otherwise by the next business morning")
    elif target.kind == "business_days":
        text = _range(target.goal, target.limit, _days)
    else:
        text = _range(target.goal, target.limit, _span)
    if target.calendar == policy.spec.policy.hours_calendar:
        return text
    if cal.always_open:
        return f"{text} at any hour"
    return f"{text} {cal.label}" if not cal.staffed else f"{text}, in {cal.label}"


def _cell(page: _Page, target: ResolvedTarget | None, label_goals: bool) -> str:
    text = promise(target, page.policy)
    if target is not None and target.applies:
        if label_goals and target.is_goal:
            text += " (goal)"
        text += page.mark(target.choice)
    return text


# --- the page, section by section ----------------------------------------------------------


def document(policy: Policy, serves: Deployment | None = None) -> list[Block]:
    """The page's blocks, section by section, in the order a customer reads them. ``serves``
    is what this deployment can do; left out, the desk as built (portal and API only)."""
    page = _Page(policy, serves or Deployment())
    sections = (_heading, _reach, _calendars, _priorities, _promises, _plans, _statuses,
                _exclusions, _defects, _intake, _requirements, _scope, _paid_teams,
                _escalation, _self_help, _terms, _contact, _notes)
    return [block for section in sections for block in section(page)]


def _heading(page: _Page) -> list[Block]:
    meta = page.spec.policy
    return [Block("h1", meta.name),
            Block("p", f"Version {meta.version}, effective {meta.effective.isoformat()}."),
            Block("p", meta.summary)]


def _reach(page: _Page) -> list[Block]:
    spec = page.spec
    lines = [_channel(page, key, ch) for key, ch in spec.channels.offered().items()
             if page.serves.serves_channel(key, ch)]
    if spec.channels.no_phone_support:
        lines.append("We do not provide phone support."
                     + (" When a call would help, our support team may ask you for a phone "
                        "call or a screen-share session, and the call is logged on your ticket."
                        if spec.intake.calls_logged else ""))
    if spec.intake.submit_any_time:
        lines.append("You may submit tickets 24 hours a day; we call back during our hours.")
    return [Block("h2", "How to reach us"), _ul(lines)]


def _channel(page: _Page, key: str, ch: ChannelSpec) -> str:
    policy = page.policy
    sentences = []
    if ch.address and key == "email":
        sentences.append(f"Write to {ch.address}.")
    elif ch.address and key == "voicemail":  # a hotline's number is private: never printed
        sentences.append(f"Call {ch.address}.")
    if ch.description:
        sentences.append(ch.description)
    if ch.fields:
        sentences.append(f"Include: {_and(ch.fields)}.")
    if ch.priority:
        sentences.append(f"Tickets from here are {policy.priority(ch.priority).label}.")
    elif not ch.sets_priority:
        sentences.append("You cannot set a priority here; "
                         f"{policy.priority(policy.default_priority).label} applies.")
    if ch.plans:
        labels = _and([page.spec.plans[p].label for p in ch.plans], "or")
        sentences.append(f"Only for: {labels}.")
    return f"{ch.label}: " + " ".join(sentences) if sentences else ch.label


def _calendars(page: _Page) -> list[Block]:
    """Staffed hours only: a calendar that merely counts time (PR-2's whole business days) is
    explained where a target uses it, never listed as hours someone is at work."""
    spec, meta = page.spec, page.spec.policy
    out = [Block("h2", "Hours")]
    names = [meta.hours_calendar] + [n for n in spec.calendars if n != meta.hours_calendar]
    for name in names:
        cal = spec.calendars[name]
        if not cal.staffed:
            continue
        out += [Block("h3", cal.label), _ul(_hours(page, cal, meta.effective.year))]
        if cal.description:
            out.append(Block("p", cal.description))
    return out


def _hours(page: _Page, spec: CalendarSpec, year: int) -> list[str]:
    mark = page.mark(spec.choice)
    if spec.always_open:
        return [f"Every day, 24 hours a day.{mark}"]
    lines = [f"{line}.{mark}" for line in _weekly(spec)]
    hol = spec.holidays
    if hol is None:
        lines.append("Open on public holidays.")
    else:
        names = holiday_names(hol, year) if hol.source != ORGANISATION else []
        lines.append(f"Closed on {holiday_set_name(hol)}{page.mark(hol.choice)}"
                     + (f": {_and(names)}." if names else "."))
    if spec.closed:
        lines.append("Also closed on " + _and([f"{d.day} {d:%B %Y}" for d in spec.closed])
                     + ".")
    return lines


def _priorities(page: _Page) -> list[Block]:
    spec, policy = page.spec, page.policy
    rows = []
    for prio in policy.priorities:
        notes = []
        if prio.default:
            notes.append("default")
        if prio.plans:
            notes.append("only for " + _and([spec.plans[p].label for p in prio.plans], "or"))
        label = prio.label + page.mark(spec.priorities[prio.key].choice)
        rows.append((label, prio.description, "; ".join(notes)))
    out = [Block("h2", "Priorities"),
           Block("table", header=("Priority", "Meaning", "Notes"), rows=tuple(rows))]
    if spec.intake.agents_may_change_priority:
        out.append(Block("p", "Our engineers may change the priority after reading your "
                              "request."))
    # What the queue does, for every policy (``schema.QUEUE_ORDER``; the selector's keyset on
    # priority rank, time received and id): nothing else may be promised here.
    return [*out, Block("p", _QUEUE_ORDER)]


def _shown_targets(page: _Page) -> list[ResolvedTarget]:
    policy = page.policy
    return [t for m in policy.metric_keys for p in page.plans() for prio in policy.priorities
            if (t := policy.target(m, p, prio.key)) is not None and t.applies]


def _promises(page: _Page) -> list[Block]:
    """Headed by what the targets are: "What we promise" only when every target is a
    commitment; a page of goals (RL-5) says "What we aim for"; a mixed page labels goals."""
    spec, meta = page.spec, page.spec.policy
    targets = _shown_targets(page)
    goals = [t.is_goal for t in targets]
    mixed = any(goals) and not all(goals)
    if goals and all(goals):
        out = [Block("h2", "What we aim for"),
               Block("p", "These targets are goals, not guarantees.")]
    elif mixed:
        out = [Block("h2", "What we promise and what we aim for"),
               Block("p", "Targets marked (goal) are what we aim for, not guarantees.")]
    else:
        out = [Block("h2", "What we promise")]
    if meta.targets_note:
        out.append(Block("p", meta.targets_note))
    out.append(Block("p", "Times count only while we are open (see Hours), unless a target "
                          "says otherwise."))
    out += _counting(page, targets)
    metrics = spec.metrics.defined()
    for metric in METRIC_KEYS:
        if metric in metrics:
            out += [Block("h3", metrics[metric].label), Block("p", metrics[metric].description),
                    _targets(page, metric, mixed)]
    return out


def _counting(page: _Page, targets: list[ResolvedTarget]) -> list[Block]:
    """What a counting calendar a target uses means ("on business days": whole days)."""
    spec = page.spec
    used = dict.fromkeys(t.calendar for t in targets)
    out = []
    for name in used:
        cal = spec.calendars[name]
        if cal.staffed or cal.always_open:
            continue
        days = "; ".join(_weekly(cal))
        closed = f", except {holiday_set_name(cal.holidays)}" if cal.holidays else ""
        out.append(Block("p", f"Times {cal.label} count {days}{closed}."))
    return out


def _targets(page: _Page, metric: str, label_goals: bool) -> Block:
    """One metric's targets by priority, a column per plan when plans differ; one sentence
    when every priority gets the same."""
    policy, plans = page.policy, page.plans()
    rows = [(prio.label, *(_cell(page, policy.target(metric, p, prio.key), label_goals)
                           for p in plans))
            for prio in policy.priorities]
    if all(len(set(row[1:])) == 1 for row in rows):
        rows = [(row[0], row[1]) for row in rows]
        if len({row[1] for row in rows}) == 1:
            same = rows[0][1]
            return Block("p", f"Every priority: {same[0].lower()}{same[1:]}.")
        return Block("table", header=("Priority", "Target"), rows=tuple(rows))
    header = ("Priority", *(policy.spec.plans[p].label for p in plans))
    return Block("table", header=header, rows=tuple(rows))


def _plans(page: _Page) -> list[Block]:
    out = [Block("h2", "Plans")]
    for key in page.plans():
        plan = page.spec.plans[key]
        out += [Block("h3", plan.label), Block("p", plan.description)]
        extras = [*plan.benefits, *_paging(page, key)]
        if plan.contact:
            extras.append(f"For more information on this plan: {plan.contact}.")
        if extras:
            out.append(_ul(extras))
    return out


def _paging(page: _Page, plan: str) -> list[str]:
    """What paging the on-call engineer means for a plan: nothing when it does not page, or
    when this deployment cannot page anyone."""
    paging = page.policy.paging_plan(plan)
    if paging is None or not page.serves.paging:
        return []
    spec = page.spec
    offered = spec.channels.offered()
    chans = [offered[c].label for c in paging.channels
             if page.serves.serves_channel(c, offered[c])]
    if not chans:
        return []
    prios = _and([page.policy.priority(p).label for p in paging.priorities], "or")
    lines = [f"Outside {spec.calendars[paging.outside].label}, {prios} tickets from "
             f"{_and(chans, 'or')} page the on-call engineer; other tickets wait until we "
             f"open. {paging.covers}"]
    if paging.rotation:
        lines.append(paging.rotation)
    return lines


def _statuses(page: _Page) -> list[Block]:
    rows = tuple((s.label + page.mark(s.choice), s.description)
                 for s in page.spec.statuses.values())
    return [Block("h2", "Ticket statuses"),
            Block("table", header=("Status", "Meaning"), rows=rows)]


def _exclusions(page: _Page) -> list[Block]:
    exclusions = page.spec.exclusions
    if not exclusions:
        return []
    return [Block("h2", "What resolution targets do not take into account"),
            _ul(f"{e.label}: {e.description}" for e in exclusions.values())]


def _defects(page: _Page) -> list[Block]:
    """RK-5: what happens to a suspected defect."""
    defects = page.spec.defects
    if defects is None:
        return []
    team = page.spec.teams[defects.team].label
    status = page.spec.statuses[defects.without_workaround_status].label
    return [Block("h2", "If we suspect a defect"),
            Block("p", f"If a defect is suspected or found in our product, we submit it to our "
                       f"{team} team for evaluation and resolution. Where no workaround is "
                       f"available, we change your ticket to {status}, seek to escalate the "
                       "defect to high priority and notify you as soon as possible. If a "
                       "workaround is available, we provide it.")]


def _intake(page: _Page) -> list[Block]:
    spec = page.spec
    intake = spec.intake
    lines = [_WHO[intake.who_may_open], intake.description, _access(intake)]
    if intake.verify_identity_for:
        lines.append("We take reasonable steps to verify your identity before releasing "
                     f"{_and(intake.verify_identity_for, 'or')}.")
    decider = f"at the discretion of {intake.discretion_of}" if intake.discretion_of else ""
    if intake.support_lead_may_ban:
        lines.append("Abusive or bullying requesters may be banned from support "
                     + (decider or "by the support lead") + ".")
    if intake.refuse:
        lines.append(f"We may refuse service to {_and(intake.refuse)}"
                     + (f", {decider}" if decider else "") + ".")
    if intake.unlimited_tickets:
        lines.append("Your contract includes unlimited tickets.")
    for marker in intake.title_markers:
        lines.append(f"Put \"{marker.contains}\" in the title to reach "
                     f"{spec.teams[marker.team].label}.")
    if intake.feature_requests_to:
        team = spec.teams[intake.feature_requests_to].label
        lines.append(f"Feature requests are passed to {team}.")
    return [Block("h2", "Who may open a ticket"), _ul(lines)]


def _access(intake) -> str | None:
    """FG-10 in one sentence: who asks for people to be added, who confirms temporary access."""
    granted, confirmed = intake.access_granted_by, intake.temporary_access_confirmed_by
    parts = []
    if granted:
        parts.append(f"People are added at the request of your {granted}")
    if confirmed:
        parts.append(f"temporary access can be granted and is confirmed by your {confirmed}")
    if not parts:
        return None
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _requirements(page: _Page) -> list[Block]:
    requirements = page.spec.intake.requirements
    return [Block("h2", "What we ask of you"), _ul(requirements)] if requirements else []


def _scope(page: _Page) -> list[Block]:
    scope = page.spec.scope
    out = [Block("h2", "What support covers"), Block("p", scope.description),
           _ul(scope.in_scope)]
    if scope.out_of_scope:
        out += [Block("h3", "Not covered"),
                _ul(_not_covered(page, i) for i in scope.out_of_scope)]
    if scope.not_responsible_for:
        out += [Block("h3", "What support is not responsible for"),
                _ul(scope.not_responsible_for)]
    if scope.courtesy:
        c = scope.courtesy
        out += [Block("h3", "Courtesy work"),
                Block("p", f"{c.description} It typically takes under {c.typical_minutes} "
                           "minutes" + (" and is done on a best-effort basis."
                                        if c.best_effort else "."))]
    return out


def _not_covered(page: _Page, item: OutOfScope) -> str:
    spec = page.spec
    text = item.topic
    if item.route:
        team = spec.teams[item.route]
        text += f": {team.label}" + (" (paid)" if team.paid else "")
    if item.except_plans:
        text += " (included with " + _and([spec.plans[p].label for p in item.except_plans],
                                           "or") + ")"
    return text


def _paid_teams(page: _Page) -> list[Block]:
    out = []
    for team in (t for t in page.spec.teams.values() if t.paid):
        out += [Block("h2", team.label), Block("p", team.description)]
        # Tiers are hour balances drawn down over the year: only where the desk keeps them.
        if team.hour_banks and page.serves.hour_banks:
            out.append(_ul(f"{b.name}: {b.hours} hours" for b in team.hour_banks))
            if team.replenish_below:
                out.append(Block("p", "We recommend replenishing when the balance falls "
                                      f"below {round(team.replenish_below * 100)}%."))
        if team.process:
            out.append(_ul(team.process))
    return out


def _escalation(page: _Page) -> list[Block]:
    escalation = page.spec.escalation
    shown = page.plans()
    # What the escalation chains promise customers (issue 15): each chain's customer_summary,
    # unless every plan it is for is one this desk cannot offer.
    promised = [c.customer_summary for c in page.spec.escalation_chains.values()
                if c.customer_summary and (c.plans is None or any(p in shown for p in c.plans))]
    if not escalation and not promised:
        return []
    return [Block("h2", "Escalation"),
            *([Block("p", escalation.description)] if escalation else []),
            *([_ul(promised)] if promised else [])]


def _self_help(page: _Page) -> list[Block]:
    lines = []
    for r in page.spec.policy.resources:
        if not page.serves.serves_resource(r):
            continue
        text = r.label + (f": {r.description}" if r.description else "")
        if page.serves.shows_votes(r):
            text += " Each article asks \"Was this article helpful?\" and keeps your answer."
        lines.append(text + (f" ({r.url})" if r.url else ""))
    return [Block("h2", "Self-help"), _ul(lines)] if lines else []


def _terms(page: _Page) -> list[Block]:
    terms = page.spec.policy.terms
    return [Block("h2", "Terms"), _ul(terms)] if terms else []


def _contact(page: _Page) -> list[Block]:
    meta = page.spec.policy
    lines = []
    if meta.contact:
        lines.append(f"Questions about this policy: {meta.contact}.")
    if meta.agents_may_make_exceptions:
        lines.append("Our support staff may act with autonomy from this policy to make "
                     "decisions that benefit you, when empathy and integrity compel them.")
    announced = (f"announced on {_and(meta.changes_announced_on)}"
                 if meta.changes_announced_on else "")
    if meta.reserves_right_to_change:
        lines.append("We may change this policy at any time to improve our service"
                     + (f"; every change is {announced}." if announced else "."))
    elif announced:
        lines.append(f"Changes to this policy are {announced}.")
    return [Block("h2", "About this policy"), _ul(lines)] if lines else []


def _notes(page: _Page) -> list[Block]:
    if not page.notes:
        return []
    return [Block("h2", "Notes"),
            Block("p", "Values marked with a number are our support team's own targets and "
                       "choices:"),
            Block("ol", items=tuple(page.notes))]


# --- formats -------------------------------------------------------------------------------


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
        elif b.kind == "ol":
            lines += [f"{n}. {item}" for n, item in enumerate(b.items, 1)] + [""]
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
        elif b.kind in ("ul", "ol"):
            parts.append(f"<{b.kind}>" + "".join(f"<li>{e(i)}</li>" for i in b.items)
                         + f"</{b.kind}>")
        elif b.kind == "table":
            head = "".join(f"<th scope=\"col\">{e(h)}</th>" for h in b.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                           for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def render(policy: Policy, fmt: str = "markdown", serves: Deployment | None = None) -> str:
    blocks = document(policy, serves)
    if fmt == "html":
        return to_html(blocks, policy.name)
    return to_markdown(blocks)
