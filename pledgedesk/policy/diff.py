"""What changed for a customer between two compiled versions of a support policy (PR-9): the
readable lines of a policy page's changelog, computed from the compiled policies (targets,
hours, holidays, channels, priorities, scope), never from a text diff of the files. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pledgedesk.policy.compile import Policy


@dataclass(frozen=True)
class Change:
    area: str  # targets | hours | holidays | channels | priorities | scope
    text: str


def policy_diff(old: Policy, new: Policy) -> list[Change]:
    return [*_targets(old, new), *_hours(old, new), *_holidays(old, new),
            *_channels(old, new), *_priorities(old, new), *_scope(old, new)]


def _amount(value, kind: str, cutoff: str | None) -> str:
    if kind == "none" or (value is None and cutoff is None):
        return "no target"
    if kind == "cutoff":
        return f"by {cutoff}"
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        hours, rest = divmod(minutes, 60)
        words = (f"{hours} hour{'s' * (hours != 1)}" if hours else "") + (
            f" {rest} minute{'s' * (rest != 1)}" if rest else "")
        return words.strip()
    return f"{value} business day{'s' * (value != 1)}"


def _targets(old: Policy, new: Policy) -> list[Change]:
    out = []
    for key in sorted(set(old._targets) | set(new._targets)):
        a, b = old._targets.get(key), new._targets.get(key)
        before = _amount(a.goal if a else None, a.kind if a else "none", a.cutoff if a else None)
        after = _amount(b.goal if b else None, b.kind if b else "none", b.cutoff if b else None)
        if before != after:
            metric, plan, priority = key
            out.append(Change("targets", f"{metric.replace('_', ' ').capitalize()}, plan "
                                         f"{plan}, priority {priority}: {before} → {after}"))
    return out


def _hours(old: Policy, new: Policy) -> list[Change]:
    out = []
    for name in sorted(set(old.calendars) | set(new.calendars)):
        a, b = old.calendars.get(name), new.calendars.get(name)
        if a is None or b is None:
            out.append(Change("hours", f"Calendar {name} {'added' if a is None else 'removed'}"))
        elif (a.weekly, a.timezone, a.always_open) != (b.weekly, b.timezone, b.always_open):
            out.append(Change("hours", f"Hours of {name}: {_week(a)} → {_week(b)}"))
    return out


def _week(recipe) -> str:
    if recipe.always_open:
        return "always open"
    days = "; ".join(f"{day} {', '.join(f'{s}-{e}' for s, e in spans)}"
                     for day, spans in recipe.weekly)
    return f"{days} ({recipe.timezone})"


def _holidays(old: Policy, new: Policy) -> list[Change]:
    out = []
    for name in sorted(set(old.calendars) & set(new.calendars)):
        a, b = old.calendars[name], new.calendars[name]
        fields = ("holiday_source", "country", "subdiv", "include", "exclude", "categories",
                  "observed")
        if tuple(getattr(a, f) for f in fields) != tuple(getattr(b, f) for f in fields):
            out.append(Change("holidays", f"Public holidays of {name}: {a.country or 'none'}"
                                          f"{'/' + a.subdiv if a.subdiv else ''} → "
                                          f"{b.country or 'none'}"
                                          f"{'/' + b.subdiv if b.subdiv else ''}"))
        added, removed = set(b.closed) - set(a.closed), set(a.closed) - set(b.closed)
        for day in sorted(added):
            out.append(Change("holidays", f"{name} closed on {day.isoformat()}"))
        for day in sorted(removed):
            out.append(Change("holidays", f"{name} open again on {day.isoformat()}"))
    return out


def _channels(old: Policy, new: Policy) -> list[Change]:
    a = old.spec.channels.model_dump(mode="json")
    b = new.spec.channels.model_dump(mode="json")
    return [Change("channels", f"Channel {key.replace('_', ' ')}: "
                               f"{_short(a.get(key))} → {_short(b.get(key))}")
            for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


def _short(value) -> str:
    if value is None:
        return "not offered"
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if v not in (None, [], {}, "")}
        return ", ".join(f"{k}: {v}" for k, v in shown.items()) or "offered"
    return str(value)


def _priorities(old: Policy, new: Policy) -> list[Change]:
    a = {p.key: p for p in old.priorities}
    b = {p.key: p for p in new.priorities}
    out = [Change("priorities", f"Priority {b[k].label} added") for k in b if k not in a]
    out += [Change("priorities", f"Priority {a[k].label} removed") for k in a if k not in b]
    for key in a.keys() & b.keys():
        if (a[key].label, a[key].description) != (b[key].label, b[key].description):
            out.append(Change("priorities", f"Priority {a[key].label}: now “{b[key].label}”, "
                                            f"{b[key].description}"))
    return out


def _scope(old: Policy, new: Policy) -> list[Change]:
    a, b = set(old.spec.scope.in_scope), set(new.spec.scope.in_scope)
    out = [Change("scope", f"Now covered: {item}") for item in sorted(b - a)]
    out += [Change("scope", f"No longer covered: {item}") for item in sorted(a - b)]
    return out
