"""Voicemail and the hotline (FG-4, FG-8): a provider's signed callback becomes a ticket.

``call_receive`` checks the signature, keeps the request as it arrived (its own transaction,
before anything acts on it), then acts once: the number called names the policy's line (a
voicemail/hotline channel's ``address``), the caller's number names the contact, and the
ticket opens through the same ``ticket_create`` as every other door, so every intake rule
applies (FG-10 authorised personnel, RL-7 bans, the channel's priority, FG-8's page).

- A caller no contact has is held, with no ticket (a ticket belongs to an organisation, and
  the number names none), for an agent's account look-up (``call_identify``).
- A hotline call is the hotline only when it pages: a 24x7 contract, after hours (the
  policy's own ``page_on_call`` rule). Any other hotline call is an ordinary voicemail at the
  policy's default priority, when the policy has a voicemail line.
- A second voicemail from the same caller on the same line, while the ticket their last one
  opened is open and that call is recent (``append_window``), is appended to it as their
  reply: outcome "appended".
- The provider repeating a callback (same call id) is a duplicate: the first outcome again.
- Whatever fails is quarantined with its reason, never dropped (``call_retry``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q

from pledgedesk.accounts.models import Agent, Contact, Organisation
from pledgedesk.accounts.services import contact_by_phone, phone_normalise
from pledgedesk.channels.calls_hooks import (
    SCHEMES,
    CallReport,
    HookRequest,
    Unreadable,
    parse,
    verify,
)
from pledgedesk.channels.calls_selectors import call_ticket_open
from pledgedesk.channels.models import InboundCall
from pledgedesk.errors import Conflict, DeskError, IntakeRefused, InvalidInput, NotFound
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.deployment import PHONE_CHANNELS, same_number
from pledgedesk.tickets.attachments import max_attachment_bytes
from pledgedesk.tickets.intake import MAX_SUBJECT, NewTicket, ticket_plan
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    ticket_create,
    ticket_customer_reply,
    ticket_identify_requester,
)
from pledgedesk.versions.policies import policy_in_force

log = logging.getLogger(__name__)
State = InboundCall.State


@dataclass(frozen=True)
class Provider:
    """A telephony provider this deployment takes callbacks from (``PLEDGEDESK_CALL_PROVIDERS``):
    its name in the hook's URL, its signature scheme and the shared secret (or Twilio's auth
    token). Never in a policy file."""

    name: str
    scheme: str
    secret: str


@dataclass(frozen=True)
class CallOutcome:
    """What became of one callback, as the hook answers it."""

    call: int
    outcome: str  # created, appended, held, duplicate, refused, quarantined
    ticket: int | None
    reason: str


def call_provider(name: str) -> Provider | None:
    """The configured provider ``name``, or None (no such hook on this deployment)."""
    config = getattr(settings, "PLEDGEDESK_CALL_PROVIDERS", {}).get(name)
    if not config or not config.get("secret") or config.get("scheme") not in SCHEMES:
        return None
    return Provider(name=name, scheme=config["scheme"], secret=config["secret"])


def call_receive(*, provider: Provider, request: HookRequest, now: datetime) -> CallOutcome:
    """One callback: verified (SignatureMissing/SignatureRejected store nothing), stored,
    then acted on once."""
    verify(request, scheme=provider.scheme, secret=provider.secret, now=now)
    row, created = call_store(provider=provider.name, request=request, now=now)
    if not created:
        return _duplicate(row, request)
    if row.state != State.RECEIVED:
        return _outcome(row)
    return call_process(call_id=row.pk, now=now)


def call_store(*, provider: str, request: HookRequest, now: datetime,
               ) -> tuple[InboundCall, bool]:
    """Keep the request as it arrived; ``(row, False)`` when this call is already stored. A
    body that is no call report is kept too, quarantined, under its content's hash."""
    values = {"body": request.body, "content_type": request.content_type[:100],
              "headers": request.kept_headers(), "received_at": now}
    try:
        report = parse(request.body, request.content_type)
    except Unreadable as exc:
        call_id = "sha256:" + hashlib.sha256(request.body).hexdigest()
        values |= {"state": State.QUARANTINED, "reason": f"unreadable callback: {exc}",
                   "processed_at": now}
    else:
        call_id = report.call_id
        values |= _report_values(report)
    with transaction.atomic(durable=True):
        return InboundCall.objects.get_or_create(provider=provider, call_id=call_id,
                                                 defaults=values)


def call_process(*, call_id: int, now: datetime) -> CallOutcome:
    """Intake for stored call ``call_id``: once. A call already processed (or being processed
    by someone else) is returned as it stands."""
    if not _claim(call_id, State.RECEIVED):
        return _outcome(InboundCall.objects.get(pk=call_id))
    row = InboundCall.objects.get(pk=call_id)
    try:
        row.state, row.ticket, row.reason = _intake(row)
    except DeskError as exc:
        row.state = State.REFUSED if isinstance(exc, IntakeRefused) else State.QUARANTINED
        row.reason = f"{exc.code}: {exc.message}"
    except Exception as exc:  # a bug must not lose the call: it waits for the fix
        log.exception("inbound call %s failed", row.pk)
        row.state, row.reason = State.QUARANTINED, f"{type(exc).__name__}: {exc}"
    return _finish(row, now)


def call_retry(*, call_id: int, now: datetime) -> CallOutcome:
    """A person's retry of a quarantined call, or of one a crash left mid-processing (they
    have checked it did not reach a ticket)."""
    InboundCall.objects.filter(Q(state=State.QUARANTINED) | Q(state=State.PROCESSING),
                               pk=call_id).update(state=State.RECEIVED)
    return call_process(call_id=call_id, now=now)


def call_identify(*, call_id: int, contact: Contact, agent: Agent, now: datetime) -> CallOutcome:
    """FG-4: an agent's account look-up names the caller of a held call. The ticket opens as
    it would have when the call came (its clocks run from the voicemail: the look-up delays
    the response, it does not restart the promise), knowing only the number, then the
    ticket's own look-up (``ticket_identify_requester``) names the requester."""
    row = InboundCall.objects.filter(pk=call_id).first()
    if row is None:
        raise NotFound(f"call {call_id} not found")
    if row.state != State.HELD:
        raise Conflict(f"call {call_id} is {row.state}, not held for an account look-up")
    if contact.organisation.policy_key != row.policy_key:
        raise InvalidInput(f"{contact.name} is not served under the policy of the line called "
                           f"({row.policy_key})", field="contact")
    if not _claim(call_id, State.HELD):
        raise Conflict(f"call {call_id} is being looked up by someone else")
    row.refresh_from_db()
    try:
        ticket = _open(row, _report(row), contact.organisation, requester=None)
    except DeskError:
        InboundCall.objects.filter(pk=call_id).update(state=State.HELD)
        raise
    row.state, row.ticket, row.reason = State.CREATED, ticket, ""
    _finish(row, now)
    ticket_identify_requester(ticket=ticket, actor=Actor(channel="web", agent=agent),
                              requester=contact, expected_version=ticket.version, now=now)
    return _outcome(row)


def call_audio(row: InboundCall) -> ContentFile | None:
    """The audio a call's request carried, read from the stored body (a held call has no
    ticket to keep it on yet)."""
    try:
        report = parse(bytes(row.body), row.content_type)
    except Unreadable:
        return None
    return _audio_file(report)


# --- intake ----------------------------------------------------------------------------------


def _intake(row: InboundCall) -> tuple[str, Ticket | None, str]:
    report = _report(row)
    found = _line_called(report.called, at=row.received_at)
    if found is None:
        return State.QUARANTINED, None, f"no policy's phone line has the number {report.called}"
    row.policy_key, row.line = found
    row.caller_number = _e164(report.caller, region=number_region(report.called))
    if report.audio is not None and len(report.audio.data) > max_attachment_bytes():
        return State.QUARANTINED, None, (f"audio is {len(report.audio.data)} bytes; the "
                                         f"attachment limit is {max_attachment_bytes()}")
    caller = contact_by_phone(report.caller, region=number_region(report.called))
    if caller is None or caller.organisation.policy_key != row.policy_key:
        return State.HELD, None, (f"no contact served under {row.policy_key} has the number "
                                  f"{row.caller_number}: needs an account look-up")
    appended = _append(row, report, caller)
    if appended is None:
        try:
            return State.CREATED, _open(row, report, caller.organisation, requester=caller), ""
        except _Raced:  # another voicemail of this caller's opened the ticket meanwhile
            appended = _append(row, report, caller)
            if appended is None:
                raise
    return State.APPENDED, appended, f"added to #{appended.number}, the caller's open " \
                                     "ticket from this line"


class _Raced(Exception):
    """A concurrent voicemail of the same caller on the same line opened the ticket this one
    is to join: the ticket this one was opening is rolled back, and it is appended there."""


def _first_of_caller(row: InboundCall, caller: Contact, channel: str):
    """``ticket_create``'s ``record`` for a caller's voicemail that may be appended to: inside
    the creating transaction, under a lock on the caller's contact row (SQLite: its one write
    lock), the caller's open ticket from this line is looked for again, so two voicemails that
    both found none before cannot both open one (the second raises ``_Raced`` and is appended
    instead); the call is marked with its ticket in the same transaction, so the next
    voicemail finds it as soon as the ticket exists."""
    window = append_window()

    def record(ticket: Ticket, _message) -> None:
        Contact.objects.select_for_update().filter(pk=caller.pk).values_list("pk").first()
        other = call_ticket_open(caller=caller, line=row.line, channel=channel,
                                 since=row.received_at - window)
        if other is not None and other.pk != ticket.pk:
            raise _Raced(other.number)
        InboundCall.objects.filter(pk=row.pk).update(state=State.CREATED, ticket=ticket,
                                                     line=row.line, policy_key=row.policy_key,
                                                     caller_number=row.caller_number)
    return record


def _append(row: InboundCall, report: CallReport, caller: Contact) -> Ticket | None:
    """A second voicemail from ``caller`` on the same line, while the ticket their last one
    made there is open and that call came within the window, is their reply on that ticket:
    one matter, one ticket (docs/calls.md). The ticket's channel must also be the one this
    call would open on, so a paging hotline call is never folded into a voicemail ticket."""
    at, window = row.received_at, append_window()
    if window <= timedelta(0):
        return None
    _, policy = policy_in_force(caller.organisation.policy_key, now=at)
    channel = _channel(policy, row.line, caller.organisation, at)
    ticket = call_ticket_open(caller=caller, line=row.line, channel=channel,
                              since=at - window)
    if ticket is None:
        return None
    audio = _audio_file(report)
    label = policy.spec.channels.offered()[row.line].label
    message = ticket_customer_reply(
        ticket=ticket, actor=Actor(channel=channel, contact=caller),
        body=_description(row, report, label), files=[audio] if audio else [], now=at)
    row.audio = message.attachments.order_by("pk").first() if audio else None
    return ticket


def append_window() -> timedelta:
    """How recent the caller's last voicemail on the ticket must be for the next to join it
    (``PLEDGEDESK_CALL_APPEND_HOURS``, 24 by default; 0 never appends)."""
    return timedelta(hours=float(getattr(settings, "PLEDGEDESK_CALL_APPEND_HOURS", 24)))


def _open(row: InboundCall, report: CallReport, org: Organisation, *,
          requester: Contact | None) -> Ticket:
    """The ticket for ``row``, opened at the call's arrival through ``ticket_create``."""
    at = row.received_at
    _, policy = policy_in_force(org.policy_key, now=at)
    channel = _channel(policy, row.line, org, at)
    label = policy.spec.channels.offered()[row.line].label
    audio = _audio_file(report)
    record = (_first_of_caller(row, requester, channel)
              if requester is not None and append_window() > timedelta(0) else None)
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=requester, channel=channel,
        caller_number=row.caller_number[:20],
        subject=f"Voicemail on the {label} from {_shown(row.caller_number)}"[:MAX_SUBJECT],
        description=_description(row, report, label)), files=[audio] if audio else [], now=at,
        record=record)
    row.audio = ticket.attachments.order_by("pk").first() if audio else None
    return ticket


def _channel(policy: Policy, line: str, org: Organisation, at: datetime) -> str:
    """FG-8: a hotline call pages when the caller's plan pages for it after hours; otherwise
    it is an ordinary voicemail (the policy's default priority), where the policy has one."""
    if line != "hotline":
        return line
    plan = ticket_plan(policy, org)
    priority = policy.intake(channel=line, plan=plan, requested=None).priority
    if policy.page_on_call(plan=plan, priority=priority, channel=line, at=at,
                           location=org.location):
        return line
    return "voicemail" if "voicemail" in policy.spec.channels.offered() else line


def _line_called(number: str, *, at: datetime) -> tuple[str, str] | None:
    """(policy key, channel) of the voicemail or hotline line at ``number``, among the
    policies organisations are served under."""
    keys = (Organisation.objects.order_by("policy_key").values_list("policy_key", flat=True)
            .distinct())
    for key in keys:
        _, policy = policy_in_force(key, now=at)
        for channel, spec in policy.spec.channels.offered().items():
            if channel in PHONE_CHANNELS and spec.address and same_number(spec.address, number):
                return key, channel
    return None


def _description(row: InboundCall, report: CallReport, label: str) -> str:
    lines = [f"Voicemail on the {label} from {_shown(row.caller_number)}"
             + (f", {report.duration} seconds." if report.duration is not None else ".")]
    if report.recording_url:
        lines.append(f"Recording: {report.recording_url}")
    if report.audio is not None:
        lines.append("Recording: attached.")
    lines.append(f"Transcription: {report.transcription}" if report.transcription
                 else "No transcription.")
    return "\n\n".join(lines)


# --- helpers ---------------------------------------------------------------------------------


def _report_values(report: CallReport) -> dict:
    return {"fields": report.fields, "caller_number": report.caller[:32],
            "called_number": report.called[:32], "recording_url": report.recording_url,
            "duration": report.duration, "transcription": report.transcription}


def _report(row: InboundCall) -> CallReport:
    try:
        return parse(bytes(row.body), row.content_type)
    except Unreadable as exc:
        raise InvalidInput(f"unreadable callback: {exc}", field="body") from None


def _audio_file(report: CallReport) -> ContentFile | None:
    if report.audio is None:
        return None
    upload = ContentFile(report.audio.data, name=report.audio.filename)
    upload.content_type = report.audio.content_type
    return upload


def number_region(number: str) -> str:
    """The country of the number called: a caller id in national form is read there."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, "US")) or ""
    except phonenumbers.NumberParseException:
        return ""


def _e164(number: str, *, region: str) -> str:
    try:
        return phone_normalise(number, region=region)
    except InvalidInput:
        return number[:32]  # "anonymous", a withheld number: kept as the provider said it


def _shown(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number or "an unknown number"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _claim(call_id: int, state: str) -> bool:
    return bool(InboundCall.objects.filter(pk=call_id, state=state).update(
        state=State.PROCESSING, attempts=F("attempts") + 1))


def _finish(row: InboundCall, now: datetime) -> CallOutcome:
    row.reason, row.processed_at = row.reason[:2000], now
    row.save(update_fields=["state", "ticket", "audio", "reason", "processed_at",
                            "caller_number", "policy_key", "line"])
    return _outcome(row)


def _duplicate(row: InboundCall, request: HookRequest) -> CallOutcome:
    """The provider sent this call again. A later callback may carry the transcription the
    first lacked (Twilio posts it separately): it is kept on the call, nothing else."""
    reason = f"call {row.call_id} was received at {row.received_at.isoformat()} ({row.state})"
    try:
        text = parse(request.body, request.content_type).transcription
    except Unreadable:
        text = ""
    if text and not row.transcription:
        InboundCall.objects.filter(pk=row.pk, transcription="").update(transcription=text)
        reason += "; its transcription is added to the call"
    number = row.ticket.number if row.ticket_id else None
    return CallOutcome(call=row.pk, outcome="duplicate", ticket=number, reason=reason)


def _outcome(row: InboundCall) -> CallOutcome:
    number = row.ticket.number if row.ticket_id else None
    return CallOutcome(call=row.pk, outcome=row.state, ticket=number, reason=row.reason)
