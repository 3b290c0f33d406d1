"""Every kind of ``TicketEvent``, and what each means, in one enumeration.

A kind says three things that used to be spread as strings over six modules: whether a
contact may see it in their ticket's history (``public``; the rest is internal work), whether
the SLA engine reads it (``sla``; ``tickets.timers.sla_events`` maps exactly these), and which
of its facts (keys of ``old``/``new``) a contact may read (``public_facts``). The history
filter, the API's event rendering and the console's sentences all read them from here, so a
new kind is classified once, and a kind nobody classified is internal: shown to no contact.

``TicketEvent.kind`` stays a plain ``CharField`` (no ``choices``, no migration); a member
compares equal to its string, so rows and queries need no conversion.
"""

from __future__ import annotations

from enum import StrEnum

_TICKET = frozenset({"subject", "channel", "priority", "requested_priority", "status"})
_MESSAGE = frozenset({"message"})
_NONE: frozenset[str] = frozenset()


class EventKind(StrEnum):
    public: bool
    sla: bool
    public_facts: frozenset[str]
    label: str

    def __new__(cls, value: str, public: bool, sla: bool, public_facts: frozenset[str],
                label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.public, member.sla = public, sla
        member.public_facts = public_facts if public else _NONE
        member.label = label
        return member

    # value, public, SLA-relevant, facts a contact may read, sentence for the history panel
    CREATED = "created", True, True, _TICKET, "Ticket created"
    AUTHORISATION_REQUESTED = ("authorisation_requested", True, False, _NONE,
                               "Held: awaiting authorisation by the primary contact")
    AUTHORISED = ("authorised", True, True, _TICKET,
                  "Authorised by the primary contact; clocks start")
    AUTHORISATION_REJECTED = ("authorisation_rejected", True, False, _NONE,
                              "Rejected by the primary contact")
    PUBLIC_REPLY = "public_reply", True, True, _MESSAGE, "Public reply"
    CUSTOMER_REPLY = "customer_reply", True, True, _MESSAGE, "Customer replied"
    INTERNAL_NOTE = "internal_note", False, True, _NONE, "Internal note"
    CALL_LOGGED = "call_logged", False, True, _NONE, "Call logged"
    STATUS_CHANGED = "status_changed", True, True, frozenset({"status"}), "Status changed"
    PRIORITY_CHANGED = ("priority_changed", True, True, frozenset({"priority"}),
                        "Priority changed")
    REOPENED = "reopened", True, True, frozenset({"status"}), "Reopened"
    ASSIGNED = "assigned", False, True, _NONE, "Assigned"
    GROUP_CHANGED = "group_changed", False, False, _NONE, "Group changed"
    TOPIC_CHANGED = "topic_changed", True, False, frozenset({"topic"}), "Topic changed"
    TAGS_CHANGED = "tags_changed", False, False, _NONE, "Tags changed"
    CC_CHANGED = "cc_changed", True, False, _NONE, "CC changed"  # RK-2; ids stay internal
    EXCLUSION_SET = "exclusion_set", False, True, _NONE, "Exclusion set"
    EXCLUSION_CLEARED = "exclusion_cleared", False, True, _NONE, "Exclusion cleared"
    ESCALATION_REQUESTED = ("escalation_requested", True, False, frozenset({"reason"}),
                            "Customer requested escalation")
    # FG-8: intake asks for a page; "paged" is recorded only once a notification was sent.
    PAGE_ON_CALL = "page_on_call", False, False, _NONE, "On-call page requested"
    PAGE_REQUESTED = ("page_requested", False, False, _NONE,
                      "Page to the on-call engineer requested")
    PAGE_SENT = "page_sent", False, False, _NONE, "On-call engineer paged"
    PAGE_ESCALATED = "page_escalated", False, False, _NONE, "Page escalated: not acknowledged"
    PAGE_UNANSWERED = "page_unanswered", False, False, _NONE, "Page: nobody to page or answer"
    PAGE_ACKNOWLEDGED = "page_acknowledged", False, False, _NONE, "Page acknowledged"
    PAGE_RESOLVED = "page_resolved", False, False, _NONE, "Page resolved"
    ATTACHMENT_ADDED = ("attachment_added", True, False,
                        frozenset({"attachment", "filename", "size", "message"}),
                        "Attachment added")
    INTERNAL_ATTACHMENT_ADDED = ("internal_attachment_added", False, False, _NONE,
                                 "Attachment added to an internal note")
    REQUESTER_IDENTIFIED = ("requester_identified", True, False, _NONE,
                            "Requester identified")
    IDENTITY_VERIFIED = "identity_verified", True, False, _NONE, "Identity verified"
    # Issue 15: the SLA sweep's crossings and what escalation chains did about them.
    SLA_WARNING = "sla_warning", False, False, _NONE, "SLA warning: a target is due soon"
    SLA_BREACHED = "sla_breached", False, False, _NONE, "SLA target missed"
    ESCALATION_STEP = "escalation_step", False, False, _NONE, "Escalation step"
    CUSTOMER_UPDATED = ("customer_updated", True, False, frozenset({"text"}),
                        "Update sent: we are still working on it")
    # Issue 16: merging tickets (tickets.merge); the numbers are the customer's to read.
    MERGED_INTO = ("merged_into", True, False, frozenset({"into"}),
                   "Merged into another ticket")
    MERGED_FROM = ("merged_from", True, False, frozenset({"from"}),
                   "Another ticket was merged into this one")
    # Issue 18 (PR-9): a published policy version applied to this open ticket, its timers
    # recomputed from this history under it (pledgedesk.publishing.apply).
    POLICY_VERSION_APPLIED = ("policy_version_applied", True, False,
                              frozenset({"from_version", "to_version"}),
                              "Support policy version applied; timers recomputed")

    @property
    def internal(self) -> bool:
        return not self.public

    @classmethod
    def of(cls, kind: str) -> EventKind | None:
        """The member for a stored kind; None for one no release classified (treated as
        internal and not SLA-relevant by every reader)."""
        try:
            return cls(kind)
        except ValueError:
            return None


PUBLIC_EVENT_KINDS = tuple(k for k in EventKind if k.public)
INTERNAL_EVENT_KINDS = tuple(k for k in EventKind if k.internal)
SLA_EVENT_KINDS = frozenset(k for k in EventKind if k.sla)


def public_facts(kind: str, facts: dict | None) -> dict | None:
    """The part of an event's ``old`` or ``new`` a contact may read."""
    member = EventKind.of(kind)
    if member is None or not isinstance(facts, dict):
        return None
    return {k: v for k, v in facts.items() if k in member.public_facts}
