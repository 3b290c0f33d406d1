"""Ticket events as sentences for the console's history panel; the ticket page's history and
conversation items as HTML."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from django.template.defaultfilters import filesizeformat
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from pledgedesk.automation.sentences import escalation_sentence
from pledgedesk.oncall.sentences import page_sentence
from pledgedesk.policy.compile import Policy
from pledgedesk.tickets.events import EventKind as K
from pledgedesk.web.present import instant, message_body

# Kinds whose sentence is their label, then one fact of the event.
_LABEL_AND = {K.ATTACHMENT_ADDED: "filename", K.INTERNAL_ATTACHMENT_ADDED: "filename",
              K.ESCALATION_REQUESTED: "reason"}


def describe(event, policy: Policy, agents: dict[int, str]) -> str:
    new, old = event.new or {}, event.old or {}
    kind = K.of(event.kind)
    if kind is None:  # a kind this release does not know
        return event.kind.replace("_", " ").capitalize()
    if kind is K.STATUS_CHANGED:
        return f"Status {_status(policy, old.get('status'))} → {_status(policy, new['status'])}"
    if kind is K.PRIORITY_CHANGED:
        return (f"Priority {_priority(policy, old.get('priority'))} → "
                f"{_priority(policy, new['priority'])}")
    if kind is K.ASSIGNED:
        who = agents.get(new.get("assignee"), f"agent {new.get('assignee')}")
        return f"Assigned to {who}" if new.get("assignee") else "Unassigned"
    if kind in (K.GROUP_CHANGED, K.TOPIC_CHANGED, K.TAGS_CHANGED):
        return f"{kind.split('_')[0].capitalize()} set to {next(iter(new.values()), '')}"
    if kind in (K.EXCLUSION_SET, K.EXCLUSION_CLEARED):
        reason = policy.spec.exclusions.get(new.get("reason"))
        return f"{kind.label}: {reason.label if reason else new.get('reason')}"
    if kind is K.CREATED:
        text = (f"Ticket created via {new.get('channel')}, "
                f"priority {_priority(policy, new.get('priority'))}")
        notes = new.get("notes") or []
        return text + (f" ({'; '.join(notes)})" if notes else "")
    if kind in _LABEL_AND:
        return f"{kind.label}: {new.get(_LABEL_AND[kind], '')}"
    return (page_sentence(kind, new) or escalation_sentence(kind, new, policy)
            or kind.label)


def _status(policy: Policy, key) -> str:
    return policy.statuses[key].label if key in policy.statuses else str(key)


def _priority(policy: Policy, key) -> str:
    return next((p.label for p in policy.priorities if p.key == key), str(key))


def history_item_html(event, text: str, zone: str) -> SafeString:
    """One ``<li>`` of the history panel from a ``ticket_reads.EventRow``: built here, not in
    ``_history.html`` (issue 20: a page of events cost ~20 template nodes each). Every value is
    escaped."""
    merged = ""
    if event.merged_from:
        number = event.merged_from
        url = escape(reverse("console:ticket", args=[number]))
        merged = f'<a class="merged-from" href="{url}">#{escape(number)}</a> (merged here): '
    who = ""
    if event.actor_agent_id:
        who = f" \u2014 {escape(event.agent_name)}"
    elif event.actor_contact_id:
        who = f" \u2014 {escape(event.contact_name)}"
    at = event.at
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<li><time datetime="{escape(at.isoformat() if at is not None else "")}">'
        f'{escape(instant(at, zone))}</time> · {merged}{conditional_escape(text)}{who} '
        f'<small class="muted">({escape(event.channel)})</small></li>')


_SENTINEL = 2_147_483_647
# The ticket page's own addresses, each taking the ticket's number (issue 20: ``{% url %}``
# reversed each of them on every render).
TICKET_URLS = ("ticket", "assign_me", "next", "compose", "update", "exclusion", "timers",
               "macro_picker", "identify_requester", "verify_identity", "set_topic", "set_cc",
               "presence", "side_panel", "conversation_earlier", "history_earlier")
_PATTERNS: dict[tuple[str, str], tuple[str, str]] = {}


def _pattern(name: str) -> tuple[str, str]:
    """``console:<name>`` with a number as its last argument, as (before it, after it):
    reversed once per process and script prefix."""
    key = (get_script_prefix(), name)
    found = _PATTERNS.get(key)
    if found is None:
        args = [_SENTINEL, _SENTINEL] if name == "download" else [_SENTINEL]
        head, tail = reverse(f"console:{name}", args=args).rsplit(str(_SENTINEL), 1)
        found = _PATTERNS[key] = (head, tail)
    return found


def ticket_urls(number: int) -> dict[str, str]:
    """``reverse("console:<name>", args=[number])`` for each of ``TICKET_URLS``."""
    return {name: f"{head}{int(number)}{tail}"
            for name, (head, tail) in ((n, _pattern(n)) for n in TICKET_URLS)}


def download_url(number: int):
    """A function giving the console's download address of a file of ticket ``number``."""
    head, tail = _pattern("download")
    head = head.replace(str(_SENTINEL), str(int(number)), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


class _Body(NamedTuple):
    author_agent_id: int | None
    body: str


# A message's text never changes once written: its HTML (Markdown rendered and cleaned, or
# cleaned) is worked out once per process for the recent ones, not on every page view.
_CACHED_BODY_CHARS = 8_000


@lru_cache(maxsize=512)
def _cached_body(markdown: bool, body: str) -> SafeString:
    return message_body(_Body(1 if markdown else None, body))


def _body_html(m) -> SafeString:
    if len(m.body) > _CACHED_BODY_CHARS:
        return message_body(m)
    return _cached_body(bool(m.author_agent_id), m.body)


def message_item_html(m, caller_number: str, zone: str, download) -> SafeString:
    """One ``<li>`` of the conversation (``_messages.html``) from a ``ticket_reads.MessageRow``,
    built here for the same reason as ``history_item_html``: the body is
    ``present.message_body`` (Markdown or sanitised HTML, as before); every other value is
    escaped. ``download`` is ``download_url`` of the ticket."""
    internal = m.visibility == "internal"
    css = "internal" if internal else "from-agent" if m.author_agent_id else "from-customer"
    if internal:
        heading = "Call logged" if m.channel == "phone" else "Internal note"
    else:
        heading = "Public reply" if m.author_agent_id else "Customer"
    if m.author_agent_id:
        who = m.agent_name
    elif m.author_contact_id:
        who = m.contact_name
    else:
        who = caller_number or "Unknown"
    listed = ""
    if m.files:
        listed = '<ul class="attachments">' + "".join(
            f'<li><a href="{escape(download(a.pk))}"'
            f' download>{escape(a.filename)}</a> <small>({escape(filesizeformat(a.size))})'
            f'</small></li>' for a in m.files) + "</ul>"
    at = m.created_at
    return mark_safe(  # noqa: S308 (escaped, and the body is message_body's nh3 output)
        f'<li class="message {css}">\n  <header>\n'
        f'    <span><span class="kind">{heading}</span> ·\n'
        f'    <strong>{escape(who)}</strong></span>\n'
        f'    <time datetime="{escape(at.isoformat() if at is not None else "")}">'
        f'{escape(instant(at, zone))}</time>\n  </header>\n'
        f'  <div class="body">{conditional_escape(_body_html(m))}</div>\n'
        f'  {listed}\n</li>')
