"""The policy page's versions part and the announcement banners (PR-9), for the portal's
templates: ``{% include "publishing/changelog.html" %}`` and ``"publishing/banner.html"``.
Each reads through ``publishing.selectors`` for the signed-in contact only; the instant is the
desk clock's, read once here at the edge as views do."""

from __future__ import annotations

from django import template

from pledgedesk import clock
from pledgedesk.publishing import selectors
from pledgedesk.tickets.selectors import organisation_zone

register = template.Library()


@register.simple_tag
def policy_changelog(contact, policy):
    """The contact's own policy's versions, or None on any other policy's page (a customer
    only sees their own policy's versions)."""
    if not contact or policy is None or contact.organisation.policy_key != policy.key:
        return None
    return selectors.policy_changelog(contact=contact, now=clock.current())


@register.simple_tag
def policy_banners(contact):
    return selectors.banners_for(contact, now=clock.current())


@register.simple_tag
def people_zone(contact, policy=None):
    return organisation_zone(contact.organisation, policy) if contact else "UTC"
