"""Changes to who may open tickets for an organisation: the primary contact adds people to the
authorised personnel and removes them (FG-10). Temporary access requests are decided through
``tickets.services.ticket_authorise`` because they arrive with a held ticket."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db import transaction

from pledgedesk.accounts.models import Contact, ContactEmail, Organisation
from pledgedesk.errors import InvalidInput, NotFound, PermissionDenied


def _require_primary(organisation: Organisation, by: Contact) -> None:
    if by.organisation_id != organisation.pk or organisation.primary_contact_id != by.pk:
        raise PermissionDenied("only the organisation's primary contact manages its personnel")


def contact_add(*, organisation: Organisation, by: Contact, name: str, email: str,
                now: datetime) -> Contact:
    """A new authorised person with a portal login; they choose a password through "forgot
    my password" (no password is ever mailed)."""
    _require_primary(organisation, by)
    name, email = name.strip(), email.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > 200:
        raise InvalidInput("name is longer than 200 characters", field="name")
    try:
        validate_email(email)
    except Exception:
        raise InvalidInput(f"not an email address: {email!r}", field="email") from None
    with transaction.atomic():
        if ContactEmail.objects.filter(address__iexact=email).exists():
            raise InvalidInput(f"{email} already belongs to a contact", field="email")
        user = get_user_model().objects.create_user(
            username=f"contact-{secrets.token_hex(8)}", email=email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        contact = Contact.objects.create(organisation=organisation, name=name, user=user,
                                         authorised=True, created_at=now)
        ContactEmail.objects.create(contact=contact, address=email)
    return contact


def contact_set_authorised(*, organisation: Organisation, by: Contact, contact_id: int,
                           authorised: bool) -> Contact:
    """Add an existing contact to the authorised personnel, or remove them from it."""
    _require_primary(organisation, by)
    contact = Contact.objects.filter(pk=contact_id, organisation=organisation).first()
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    if contact.pk == organisation.primary_contact_id and not authorised:
        raise InvalidInput("the primary contact is always authorised", field="contact")
    if contact.authorised != authorised:
        contact.authorised = authorised
        contact.save(update_fields=["authorised"])
    return contact
