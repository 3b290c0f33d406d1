"""What a saved view may hold: its filters, sorts and columns, checked once for every door
(console form, API body) so a stored view is always one the queue can run. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pledgedesk.errors import InvalidInput

SORTS = ("queue", "sla_due")
# Column key -> heading, in the order the queue shows them.
COLUMNS = {
    "number": "Ticket", "subject": "Subject", "priority": "Priority", "status": "Status",
    "assignee": "Assignee", "organisation": "Organisation", "received": "Received",
    "updated": "Updated", "sla": "SLA",
}
DEFAULT_COLUMNS = ("number", "subject", "priority", "status", "assignee", "received", "sla")
ASSIGNEES = ("me", "unassigned")
FILTERS = ("status", "priority", "group", "assignee", "organisation", "breaching",
           "escalated", "sla_state")
SLA_STATES = ("running", "warning", "paused", "met", "breached", "excluded", "not_applicable")
MAX_NAME = 80
MAX_KEY = 50


@dataclass(frozen=True)
class ViewSpec:
    name: str
    filters: dict
    sort: str
    columns: list[str]
    shared: bool


def view_spec(*, name: str, filters: Mapping, sort: str, columns: Sequence[str],
              shared: bool) -> ViewSpec:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("a view needs a name", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name is longer than {MAX_NAME} characters", field="name")
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise InvalidInput(f"no column {unknown[0]!r}; columns are {', '.join(COLUMNS)}",
                           field="columns")
    chosen = [c for c in COLUMNS if c in set(columns)] or list(DEFAULT_COLUMNS)
    return ViewSpec(name=name, filters=view_filters(filters), sort=sort, columns=chosen,
                    shared=bool(shared))


def view_filters(raw: Mapping) -> dict:
    """The filters kept, empty ones dropped; an unknown key or a bad value names itself."""
    kept = {}
    for key, value in raw.items():
        if key not in FILTERS:
            raise InvalidInput(f"no filter {key!r}; filters are {', '.join(FILTERS)}",
                               field=f"filters.{key}")
        if value in (None, "", False):
            continue
        kept[key] = _filter_value(key, value)
    return kept


def _filter_value(key: str, value):
    field = f"filters.{key}"
    if key in ("breaching", "escalated"):
        if value not in (True, "1", "true", "on"):
            raise InvalidInput(f"{key} is true or absent", field=field)
        return True
    if key == "organisation":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput("organisation is an organisation id", field=field) from None
        if not 1 <= number <= 2**63 - 1:
            raise InvalidInput("organisation is an organisation id", field=field)
        return number
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_KEY or "\x00" in value:
        raise InvalidInput(f"{key} is a key of at most {MAX_KEY} characters", field=field)
    if key == "assignee" and value not in ASSIGNEES and not value.isdigit():
        raise InvalidInput("assignee is an agent id, me or unassigned", field=field)
    if key == "sla_state" and value not in SLA_STATES:
        raise InvalidInput(f"sla_state must be one of {', '.join(SLA_STATES)}", field=field)
    return value
