"""Ticket events as sentences for the console's history panel."""

from __future__ import annotations

from pledgedesk.policy.compile import Policy

LABELS = {
    "created": "Ticket created", "authorised": "Authorised by the primary contact; clocks start",
    "authorisation_requested": "Held: awaiting authorisation by the primary contact",
    "authorisation_rejected": "Rejected by the primary contact",
    "public_reply": "Public reply", "internal_note": "Internal note",
    "call_logged": "Call logged", "customer_reply": "Customer replied",
    "reopened": "Reopened", "escalation_requested": "Customer requested escalation",
    "page_on_call": "On-call engineer paged", "attachment_added": "Attachment added",
}


def describe(event, policy: Policy, agents: dict[int, str]) -> str:
    new, old = event.new or {}, event.old or {}
    kind = event.kind
    if kind == "status_changed":
        return f"Status {_status(policy, old.get('status'))} → {_status(policy, new['status'])}"
    if kind == "priority_changed":
        return (f"Priority {_priority(policy, old.get('priority'))} → "
                f"{_priority(policy, new['priority'])}")
    if kind == "assigned":
        who = agents.get(new.get("assignee"), f"agent {new.get('assignee')}")
        return f"Assigned to {who}" if new.get("assignee") else "Unassigned"
    if kind == "group_changed":
        return f"Group set to {new.get('group')}"
    if kind in ("exclusion_set", "exclusion_cleared"):
        reason = policy.spec.exclusions.get(new.get("reason"))
        label = reason.label if reason else new.get("reason")
        return f"Exclusion {'set' if kind == 'exclusion_set' else 'cleared'}: {label}"
    if kind == "created":
        text = (f"Ticket created via {new.get('channel')}, "
                f"priority {_priority(policy, new.get('priority'))}")
        notes = new.get("notes") or []
        return text + (f" ({'; '.join(notes)})" if notes else "")
    if kind == "attachment_added":
        return f"Attachment added: {new.get('filename')}"
    if kind == "internal_attachment_added":
        return f"Attachment added to an internal note: {new.get('filename')}"
    if kind == "escalation_requested":
        return f"Customer requested escalation: {new.get('reason', '')}"
    if kind in ("topic_changed", "tags_changed"):
        return f"{kind.split('_')[0].capitalize()} set to {next(iter(new.values()), '')}"
    return LABELS.get(kind, kind.replace("_", " ").capitalize())


def _status(policy: Policy, key) -> str:
    return policy.statuses[key].label if key in policy.statuses else str(key)


def _priority(policy: Policy, key) -> str:
    return next((p.label for p in policy.priorities if p.key == key), str(key))
