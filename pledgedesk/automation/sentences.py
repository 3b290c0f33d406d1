"""SLA warnings, breaches and escalation steps as sentences for a ticket's history: who was
told, how and why (issue 15). The console's history panel asks here for these kinds."""

from __future__ import annotations

from pledgedesk.policy.compile import Policy
from pledgedesk.tickets.events import EventKind as K

_DONE = {"sent": "told {told} by email", "nobody": "nobody to tell",
         "offered": "sent to the webhook subscriptions that chose it",
         "requested": "a page was requested from the on-call schedule",
         "unchanged": "nothing to change"}


def escalation_sentence(kind, new: dict, policy: Policy) -> str | None:
    """The sentence for an SLA or escalation event; None for any other kind."""
    if kind in (K.SLA_WARNING, K.SLA_BREACHED):
        metric = getattr(policy.spec.metrics, new.get("metric", ""), None)
        label = metric.label if metric is not None else new.get("metric", "")
        return f"{kind.label}: {label}"
    if kind is not K.ESCALATION_STEP:
        return None
    outcome = new.get("outcome", "")
    told = ", ".join(new.get("told") or ()) or "nobody"
    if outcome == "changed":
        done = {"reassign": f"reassigned ({told if new.get('told') else new.get('group')})",
                "raise_priority": f"priority raised to {new.get('priority')}"}.get(
            new.get("action"), "changed")
    elif outcome == "not_configured":
        done = new.get("detail", "not configured")
    else:
        done = _DONE.get(outcome, outcome).format(told=told)
    return (f"Escalation \"{new.get('chain_label', new.get('chain'))}\" step "
            f"{new.get('step')}: {done}" + (f" ({new['why']})." if new.get("why") else "."))
