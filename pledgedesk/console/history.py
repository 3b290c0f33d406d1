"""Ticket events as sentences for the console's history panel; the ticket page's history and
conversation items as HTML."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
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
    """One ``<li>`` of the history panel: built here, not in ``_history.html`` (issue 20: a
    page of events cost ~20 template nodes each). Every value is escaped."""
    merged = ""
    if getattr(event, "merged_from", None):
        number = event.merged_from
        url = escape(reverse("console:ticket", args=[number]))
        merged = f'<a class="merged-from" href="{url}">#{escape(number)}</a> (merged here): '
    who = ""
    if event.actor_agent:
        who = f" \u2014 {escape(event.actor_agent.name)}"
    elif event.actor_contact:
        who = f" \u2014 {escape(event.actor_contact.name)}"
    at = event.at
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<li><time datetime="{escape(at.isoformat() if at is not None else "")}">'
        f'{escape(instant(at, zone))}</time> · {merged}{conditional_escape(text)}{who} '
        f'<small class="muted">({escape(event.channel)})</small></li>')


def message_item_html(message, ticket, zone: str) -> SafeString:
    """One ``<li>`` of the conversation (``_messages.html``), built here for the same reason
    as ``history_item_html``: the body is ``present.message_body`` (Markdown or sanitised
    HTML, as before); every other value is escaped."""
    m = message
    internal = m.visibility == "internal"
    css = "internal" if internal else "from-agent" if m.author_agent_id else "from-customer"
    if internal:
        heading = "Call logged" if m.channel == "phone" else "Internal note"
    else:
        heading = "Public reply" if m.author_agent_id else "Customer"
    if m.author_agent_id:
        who = m.author_agent.name
    elif m.author_contact:
        who = m.author_contact.name
    else:
        who = ticket.caller_number or "Unknown"
    files = list(m.attachments.all())
    listed = ""
    if files:
        listed = '<ul class="attachments">' + "".join(
            f'<li><a href="{escape(reverse("console:download", args=[ticket.number, a.pk]))}"'
            f' download>{escape(a.filename)}</a> <small>({escape(filesizeformat(a.size))})'
            f'</small></li>' for a in files) + "</ul>"
    at = m.created_at
    return mark_safe(  # noqa: S308 (escaped, and the body is message_body's nh3 output)
        f'<li class="message {css}">\n  <header>\n'
        f'    <span><span class="kind">{heading}</span> ·\n'
        f'    <strong>{escape(who)}</strong></span>\n'
        f'    <time datetime="{escape(at.isoformat() if at is not None else "")}">'
        f'{escape(instant(at, zone))}</time>\n  </header>\n'
        f'  <div class="body">{conditional_escape(message_body(m))}</div>\n'
        f'  {listed}\n</li>')
