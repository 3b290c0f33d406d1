"""A page's events as sentences for a ticket's history: who was paged, how, and why."""

from __future__ import annotations

_TEMPLATES = {
    "page_requested": "Page requested: {agent_name} by {how} ({why})",
    "page_sent": "On-call engineer paged: {agent_name} by {method}, notification {step}",
    "page_escalated": "Page escalated: {why}",
    "page_unanswered": "Page unanswered: {why}",
    "page_acknowledged": "Page acknowledged by {agent_name} ({via})",
    "page_resolved": "Page resolved by {agent_name} ({via})",
}


def page_sentence(kind: str, facts: dict | None) -> str | None:
    """The sentence for a page event, or None for any other kind."""
    template = _TEMPLATES.get(kind)
    if template is None:
        return None
    facts = dict(facts or {})
    methods = facts.get("methods") or []
    facts["how"] = " and ".join(methods) if methods else "no contact method (none is set)"
    try:
        return template.format_map(facts)
    except KeyError:  # an event written before a fact was recorded
        return None
