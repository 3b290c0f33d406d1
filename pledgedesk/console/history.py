"""Ticket events as sentences for the console's history panel."""

from __future__ import annotations

from pledgedesk.automation.sentences import escalation_sentence
from pledgedesk.oncall.sentences import page_sentence
from pledgedesk.policy.compile import Policy
from pledgedesk.tickets.events import EventKind as K

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
