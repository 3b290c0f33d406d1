"""Who may see what: the one object-level permission check.

Every read path (API, pages, search, exports, notifications) filters tickets through
``visible_tickets`` or fetches one through ``ticket_for``. Nothing else decides visibility.

- An agent sees every ticket, internal notes included.
- A contact sees tickets they requested or are copied on.
- An organisation's primary contact and designated Administrator see all of its tickets.
- Anyone else sees nothing, and cannot learn that a ticket exists: a ticket that is not
  theirs is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from pledgedesk.accounts.models import Agent, Contact
from pledgedesk.errors import NotFound


@dataclass(frozen=True)
class Principal:
    """The person behind a request: an agent, a contact, or nobody (anonymous)."""

    agent: Agent | None = None
    contact: Contact | None = None

    @property
    def is_agent(self) -> bool:
        return self.agent is not None and self.agent.active

    @property
    def is_anonymous(self) -> bool:
        return not self.is_agent and self.contact is None

    @property
    def sees_whole_organisation(self) -> bool:
        contact = self.contact
        if contact is None:
            return False
        org = contact.organisation
        return contact.pk in (org.primary_contact_id, org.administrator_id)


ANONYMOUS = Principal()


# What ``principal_for`` reads of a user. Load users with ``select_related(*PRINCIPAL_RELATIONS)``
# and deciding who they are costs no query; with ``AGENT_RELATION`` alone (the API's token
# lookup: most API callers are agents) it costs none for an agent and one for anyone else.
AGENT_RELATION = "agent"
PRINCIPAL_RELATIONS = (AGENT_RELATION, "contact__organisation")


def principal_for(user) -> Principal:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    model = get_user_model()  # request.user is a lazy proxy, not the model's instance
    if not model.agent.is_cached(user):
        user = _with_roles(model, user)
    agent = getattr(user, "agent", None)  # a missing reverse one-to-one is an AttributeError
    if agent is not None and agent.active:
        return Principal(agent=agent)
    if not model.contact.is_cached(user):
        user = _with_roles(model, user)
    contact = getattr(user, "contact", None)
    if contact is not None and not contact.is_banned:
        return Principal(contact=contact)
    return ANONYMOUS


def _with_roles(model, user):
    return model.objects.select_related(*PRINCIPAL_RELATIONS).get(pk=user.pk)


def visible_tickets(principal: Principal, tickets: QuerySet) -> QuerySet:
    """``tickets`` narrowed to what ``principal`` may see."""
    if principal.is_agent:
        return tickets
    contact = principal.contact
    if contact is None:
        return tickets.none()
    if principal.sees_whole_organisation:
        return tickets.filter(organisation_id=contact.organisation_id)
    copied = tickets.model.cc.through.objects.filter(contact_id=contact.pk).values("ticket_id")
    return tickets.filter(Q(requester_id=contact.pk) | Q(pk__in=copied))


def ticket_for(principal: Principal, number: int, tickets: QuerySet):
    """The ticket ``number`` if ``principal`` may see it; NotFound otherwise, never 403."""
    try:  # numbers are unique; get() spares first()'s ORDER BY
        return visible_tickets(principal, tickets.filter(number=number)).get()
    except tickets.model.DoesNotExist:
        raise NotFound(f"ticket {number} not found") from None


def ticket_visible(principal: Principal, ticket) -> bool:
    """Whether ``principal`` may see ``ticket``, already loaded: the same rule as
    ``visible_tickets``, with no query when it lets the principal see everything."""
    tickets = type(ticket).objects.all()
    narrowed = visible_tickets(principal, tickets)
    return narrowed is tickets or narrowed.filter(pk=ticket.pk).exists()


def sees_internal_notes(principal: Principal) -> bool:
    return principal.is_agent
