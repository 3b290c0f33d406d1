"""The pages' query strings, parsed with the API's bounds (``pledgedesk.bounds``).

A page reads its query through one of the models below and ``parse_query``: a value out of
bounds (an organisation id past 2**63 - 1, a status with a NUL byte, an unknown view) never
reaches a query; it is dropped, the field takes its default, and the page says which field
was ignored and why (``Parsed.problems``), answering 400 instead of a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pledgedesk.bounds import Cursor, Id, Key

M = TypeVar("M", bound=BaseModel)


class PageQuery(BaseModel):
    # A page ignores parameters it does not know (a tracking tag, an old bookmark's).
    model_config = ConfigDict(extra="ignore", frozen=True)


class ConsoleQueueQuery(PageQuery):
    view: Literal["all", "mine", "groups", "unassigned"] = "all"
    status: Key | None = None
    priority: Key | None = None
    organisation: Id | None = None
    breaching: bool = False
    escalated: bool = False
    cursor: Cursor | None = None


class PortalTicketsQuery(PageQuery):
    show: Literal["open", "all"] = "open"
    cursor: Cursor | None = None


class TicketNumberQuery(PageQuery):
    number: Id | None = None


class EarlierQuery(PageQuery):
    """A ticket page's "Earlier" fragment: the id of the oldest message or event shown."""

    before: Id | None = None


@dataclass(frozen=True)
class Parsed(Generic[M]):
    values: M
    problems: dict[str, str] = field(default_factory=dict)  # field: why it was ignored

    def describe(self) -> str:
        return "; ".join(f"{name} ignored: {why}" for name, why in self.problems.items())


def parse_query(query: Mapping[str, str], model: type[M]) -> Parsed[M]:
    """``model`` from ``query`` (a QueryDict gives each name's last value). An empty value
    means "not given"; every value out of bounds is dropped and named in ``problems``."""
    given = {name: query.get(name) for name in model.model_fields}
    raw = {name: value for name, value in given.items() if value not in (None, "")}
    problems: dict[str, str] = {}
    while True:
        try:
            return Parsed(model.model_validate(raw), problems)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) if e["loc"] else "": e["msg"]
                   for e in exc.errors(include_url=False)}
            if not bad.keys() & raw.keys():
                raise  # not about a given value: a bug in the model, not bad input
            for name in [n for n in bad if n in raw]:
                problems[name] = bad[name].removeprefix("Value error, ")
                del raw[name]
