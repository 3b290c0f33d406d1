"""Request and response shapes of the JSON API.

Inputs forbid unknown fields (a misspelt field is an error naming it, never silently dropped)
and refuse text the databases cannot store (NUL, unpaired surrogates) with a 422, so bad
input never reaches a service as a half-valid value.

Outputs have one shape for everyone, with the agent-only facts in an ``internal`` block that
is ``null`` for contacts: contacts never receive assignees, groups, tags, exclusion reasons,
intake notes or timer internals. Text comes back exactly as stored: clients must escape it,
or render the ``*_html`` field, which is sanitised with nh3.

Timestamps are ISO 8601 with an explicit UTC offset (``2026-01-05T15:00:00+00:00``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Schema
from ninja.operation import Operation
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

# The bounds every door shares (the pages parse their query strings with them too).
from pledgedesk.bounds import MAX_ID as MAX_ID
from pledgedesk.bounds import Id, Key, Text
from pledgedesk.errors import ErrorCode

Instant = Annotated[
    datetime,
    PlainSerializer(lambda at: at.astimezone(UTC).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# A timer's state at the request's instant (``sla.timer_state_at``), never the stored cache:
# ``warning`` and ``breached`` follow the clock between the ticket's changes.
SlaState = Literal["running", "warning", "paused", "met", "breached", "excluded",
                   "not_applicable"]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- inputs ----------------------------------------------------------------------------------


class TicketCreateIn(In):
    """A contact opens a ticket for themself (organisation and requester implied); an agent
    opens one for a customer and must name ``organisation`` and ``requester``."""

    subject: Annotated[Text, StringConstraints(max_length=250)]
    description: Text = ""
    priority: Key | None = None
    topic: Annotated[Text, StringConstraints(max_length=100)] = ""
    cc: list[Id] = Field(default_factory=list, max_length=50)
    tags: list[Key] = Field(default_factory=list, max_length=20)
    channel: Key | None = Field(default=None, description="Agents only. Default: api, or "
                                "portal where the policy offers no api channel.")
    organisation: Id | None = Field(default=None, description="Agents only, required.")
    requester: Id | None = Field(default=None, description="Agents only, required.")


class TicketPatchIn(In):
    """Agents only. ``assignee: null`` unassigns. ``version`` (or an ``If-Match`` header) is
    the version last seen; a stale one is a 409."""

    status: Key | None = None
    priority: Key | None = None
    assignee: Id | None = None
    group: Key | None = None
    topic: Annotated[Text, StringConstraints(max_length=100)] | None = None
    tags: list[Key] | None = Field(default=None, max_length=20)
    version: Id | None = None


class ReplyIn(In):
    """An agent's public reply (optionally changing the status in the same action) or a
    contact's reply (which reopens a Solved ticket).

    A reply overwrites nothing, so it is never refused because the ticket changed since the
    ``version`` you read (issue 16): it is added, and the answer's ``notice`` says the ticket
    moved on and ``meanwhile`` lists what others wrote, e.g. the customer's message that
    crossed yours. ``version`` is checked only for a ``status`` change, which is refused (409,
    field ``version``, nothing added) if the ticket changed since; send the reply without
    ``status`` or with the current version."""

    body: Text
    status: Key | None = Field(default=None, description="Agents only. Checked against "
                               "``version`` (409 if the ticket changed since).")
    version: Id | None = Field(default=None, description="The ticket version you read (or "
                               "If-Match). A reply on an older version still goes through, "
                               "with a notice; only a status change is refused.")
    seen: Id | None = Field(default=None, description="Agents: the id of the newest message "
                            "you read; ``meanwhile`` then lists every message added after it. "
                            "Without it, only those added while this request ran.")


class NoteIn(In):
    body: Text
    version: Id | None = None


class CallIn(In):
    summary: Text
    version: Id | None = None


class EscalationIn(In):
    reason: Text


class ExclusionIn(In):
    reason: Key
    active: bool = True
    version: Id | None = None


class AuthorisationIn(In):
    approve: bool


# --- outputs ---------------------------------------------------------------------------------


class Out(BaseModel):
    """Responses are plain pydantic models built from plain values: validating one runs in
    pydantic-core, without ninja's per-object ORM getter (``ninja.Schema``), which cost more
    than all the database work of a queue page."""


class Ref(Out):
    id: int
    name: str


class GroupRef(Out):
    key: str
    name: str


class Person(Out):
    kind: Literal["agent", "contact"]
    name: str
    id: int | None = Field(default=None, description="Shown to agents only.")


class TimerInternalOut(Out):
    warn_at: Instant | None
    breached_by_minutes: int | None
    used_seconds: int
    paused_seconds: int
    reason: str


class TimerOut(Out):
    metric: str
    state: SlaState = Field(description="The state at the request's instant: a running timer "
                            "is a warning from its warn_at on and breached after its late_at.")
    due_at: Instant | None = Field(description="The promised limit; null when none runs.")
    late_at: Instant | None = Field(description="When a running timer breaches if nothing "
                                    "changes: right after this instant. The due instant, or "
                                    "the next opening when that is a closing time (business "
                                    "time does not run while closed).")
    goal_at: Instant | None = Field(description="The goal inside a range target (RK-3).")
    met_at: Instant | None
    internal: TimerInternalOut | None = None


class PolicyRef(Out):
    key: str
    version: str


class TicketInternalOut(Out):
    policy: PolicyRef
    plan: str
    assignee: Ref | None
    group: GroupRef | None
    tags: list[str]
    exclusions: list[str]
    out_of_scope: bool
    administrator_not_included: bool
    identity_verified: bool
    page_on_call: bool
    intake_notes: list[str]
    created_by_agent: Ref | None
    caller_number: str
    escalation: EscalationOut | None = Field(
        default=None, description="Who the customer's escalation reaches (PR-5, PR-6); null "
        "unless escalation was requested.")


class AbilitiesOut(Out):
    """What the caller may do on this ticket now: the same answer the portal's and the
    console's buttons show, from the same rules the endpoints enforce (``tickets.abilities``).
    ``true`` means the endpoint accepts the action, given valid input and, where it asks for
    one, the current ``version``; ``false`` means it refuses with a 403 or 409. Repeating an
    action that is already done (escalation asked for, identity verified) is accepted and
    changes nothing."""

    reply: bool = Field(description="POST /replies: an agent's public reply; a contact's "
                        "reply (not on a Closed or held ticket; on Solved it reopens).")
    reopen: bool = Field(description="POST /reopen: a Solved ticket (RK-7).")
    escalate: bool = Field(description="POST /escalation: a contact, where the policy offers "
                           "customer escalation, on a ticket neither Solved, Closed nor "
                           "held (PR-6).")
    authorise: bool = Field(description="POST /authorisation: the organisation's primary "
                            "contact, on a request awaiting authorisation (FG-10).")
    note: bool = Field(description="POST /notes (agents).")
    log_call: bool = Field(description="POST /calls (agents; RK-1).")
    change: bool = Field(description="PATCH the ticket (agents).")
    set_exclusion: bool = Field(description="POST /exclusions (agents; RK-4).")
    verify_identity: bool = Field(description="POST /identity (agents; RL-6).")
    identify_requester: bool = Field(description="POST /requester: name the caller of a "
                                     "ticket that knows only a number (agents; FG-4).")
    set_cc: bool = Field(description="PUT /cc (agents; RK-2).")


class TicketOut(Out):
    number: int
    subject: str
    description: str = Field(description="As stored: escape it, or use description_html.")
    description_html: str = Field(description="description sanitised with nh3.")
    status: str
    status_category: str
    priority: str
    channel: str
    topic: str
    hold: str
    organisation: Ref | None
    requester: Ref | None
    cc: list[Ref]
    escalation_requested_at: Instant | None
    received_at: Instant
    updated_at: Instant
    version: int
    timers: list[TimerOut]
    internal: TicketInternalOut | None = Field(description="Agents only; null for contacts.")
    abilities: AbilitiesOut = Field(description="What the caller may do on this ticket now.")


class QueueInternalOut(Out):
    assignee: Ref | None
    group: GroupRef | None
    tags: list[str]


class TicketSummaryOut(Out):
    number: int
    subject: str
    status: str
    status_category: str
    priority: str
    hold: str
    organisation: Ref | None
    requester: Ref | None
    escalation_requested_at: Instant | None
    received_at: Instant
    updated_at: Instant
    version: int
    timers: list[TimerOut]
    internal: QueueInternalOut | None


class QueuePageOut(Out):
    items: list[TicketSummaryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null "
                                    "on the last page. There is no total count.")


class MessageOut(Out):
    id: int
    visibility: Literal["public", "internal"]
    channel: str
    author: Person | None
    body: str = Field(description="As stored: escape it, or use body_html.")
    body_html: str = Field(description="body sanitised with nh3.")
    created_at: Instant


class MessageCreatedOut(Out):
    message: MessageOut
    ticket: TicketOut


class ReplyCreatedOut(MessageCreatedOut):
    """A reply added. An agent's answer tells what happened since the version they read."""

    notice: str | None = Field(default=None, description="Set when the ticket changed since "
                               "the ``version`` sent or messages arrived meanwhile: the reply "
                               "went through all the same (a reply overwrites nothing).")
    meanwhile: list[MessageOut] = Field(default_factory=list, description="Agents: messages "
                                        "others added after ``seen`` (internal notes too), "
                                        "oldest first, without your reply.")


class EventOut(Out):
    id: int
    at: Instant
    kind: str
    channel: str
    actor: Person | None
    old: dict | None
    new: dict | None
    merged_from: int | None = Field(default=None, description="Set on the history of a "
                                    "ticket merged into this one (issue 16): the number of "
                                    "the merged ticket the event happened on.")


class AttachmentOut(Out):
    id: int
    message: int | None = Field(description="The reply or note it came with, if any.")
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: Instant
    download_url: str


class BreachingOut(Out):
    ticket: int
    subject: str
    priority: str
    metric: str
    state: SlaState = Field(description="running, warning or breached at the request's "
                            "instant.")
    due_at: Instant
    late_at: Instant = Field(description="Breached right after this instant (the list's "
                             "order): the due instant, or the next opening after it.")
    warn_at: Instant | None


class ErrorOut(Out):
    """Every error: ``code`` is one of ``pledgedesk.errors.ErrorCode``, ``field`` the input
    it concerns (a dotted path), if any."""

    code: ErrorCode
    message: str
    field: str | None


class FieldErrorOut(Out):
    field: str | None
    message: str


class ValidationErrorOut(ErrorOut):
    """A 422 lists every problem found in ``errors``; ``field`` and ``message`` are the
    first's."""

    errors: list[FieldErrorOut]


class InternalErrorOut(ErrorOut):
    """A 500: the desk failed, not the request. Nothing of the failure is in the body; the
    server's log has it under ``request_id``, which is also the ``X-Request-Id`` header."""

    request_id: str


# The error responses every operation declares (PATCH adds 428 for a missing version).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          413: ErrorOut, 422: ValidationErrorOut, 500: InternalErrorOut}


def _share_response_models() -> None:
    """One ninja response model per declared response type, shared by every operation.

    Ninja wraps each response an operation declares in a pydantic model of its own, per
    operation and status code (``Operation._create_response_model``), each with its own
    validator and serializer: ``ERRORS``' eight codes on ~115 operations made ~1,000
    identical models, ~12 MiB in every web worker (issue 20). A wrapper holds nothing but the
    annotation and nothing changes it after it is made, so one per annotation serves all.
    Installed here, where every router module's declarations come from, before any router
    is built."""
    make = getattr(Operation, "_create_response_model", None)
    if make is None or getattr(make, "shared", False):
        return  # another ninja: tests/foundation/test_memory_api_models.py says so
    made: dict = {}

    def shared(self, response_param):
        try:
            return made[response_param]
        except KeyError:
            model = made[response_param] = make(self, response_param)
            return model
        except TypeError:  # an unhashable annotation: a model of its own, as ninja does
            return make(self, response_param)

    shared.shared = True
    Operation._create_response_model = shared


_share_response_models()


class EscalationOut(Out):
    """Who an escalated ticket reaches: the organisation's dedicated representative (PR-5)
    when it has one, else the members of the team the policy escalates to (PR-6)."""

    representative: Ref | None
    team: GroupRef | None
    team_agents: list[Ref]
    reaches: list[Ref]
    reviewer: str | None = Field(description="The policy's word for who reviews it.")


class IdentityIn(In):
    """RL-6: how the requester's identity was verified."""

    method: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    version: Id | None = None


class RequesterIn(In):
    """FG-4: the account look-up: name the contact (``requester``), or give a phone number in
    any common format to find the contact of the ticket's organisation who has it."""

    requester: Id | None = None
    phone: Annotated[Text, StringConstraints(min_length=1, max_length=40)] | None = None
    version: Id | None = None


class CcIn(In):
    """RK-2: the contacts copied on the ticket, all of its organisation (replaces the list)."""

    cc: list[Id] = Field(max_length=50)
    version: Id | None = None
