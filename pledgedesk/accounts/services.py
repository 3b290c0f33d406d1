"""Changing organisations and their people. Portal, console, API and importers call these.

Each is one transaction with explicit arguments and an explicit ``now``. The primary contact
manages the organisation's authorised personnel and decides temporary access (FG-10); held
tickets are confirmed through ``tickets.services.ticket_authorise``, which decides the grant
that came with them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from pledgedesk.accounts.models import (
    AccessGrant,
    Agent,
    Contact,
    ContactEmail,
    ContactPhone,
    Organisation,
)
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.versions.policies import policy_for, policy_version_current


def organisation_create(
    *, name: str, policy_key: str, plans: Sequence[str] = (), timezone: str = "",
    country: str = "", subdivision: str = "", now: datetime,
) -> Organisation:
    """A customer organisation under a support policy, holding some of its plans."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    policy = policy_for(policy_version_current(policy_key, now=now))
    unknown = [p for p in plans if p not in policy.plan_chains]
    if unknown:
        raise InvalidInput(f"unknown plan {unknown[0]!r}; this policy has "
                           f"{', '.join(policy.plan_chains)}", field="plans")
    _check_zone(timezone)
    return Organisation.objects.create(
        name=name.strip(), policy_key=policy_key, plans=list(plans), timezone=timezone,
        country=country.upper(), subdivision=subdivision.upper(), created_at=now,
    )


def contact_create(
    *, organisation: Organisation, name: str, emails: Sequence[str] = (),
    phones: Sequence[str] = (), authorised: bool = False, password: str | None = None,
    now: datetime,
) -> Contact:
    """A person at a customer (staff or importer use). With a password they can sign in to
    the portal; the first email is their sign-in name. Phone numbers are kept in E.164
    (+15551234567) so a voicemail's caller id finds them (FG-4)."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    clean_emails = [_email(e) for e in emails]
    clean_phones = [_phone(p) for p in phones]
    if password is not None and not clean_emails:
        raise InvalidInput("a contact who signs in needs an email address", field="emails")
    try:
        with transaction.atomic():
            user = None
            if password is not None:
                user = get_user_model().objects.create_user(
                    username=clean_emails[0], email=clean_emails[0], password=password)
            contact = Contact.objects.create(
                organisation=organisation, name=name.strip(), user=user, authorised=authorised,
                created_at=now)
            ContactEmail.objects.bulk_create(
                [ContactEmail(contact=contact, address=e) for e in clean_emails])
            ContactPhone.objects.bulk_create(
                [ContactPhone(contact=contact, number=p) for p in clean_phones])
    except IntegrityError:
        raise Conflict("that email address or phone number already belongs to a contact",
                       field="emails") from None
    return contact


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
    except ValidationError:
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


def access_grant_decide(
    *, organisation: Organisation, by: Contact, grant: AccessGrant, approve: bool,
    now: datetime,
) -> AccessGrant:
    """FG-10: the primary contact confirms or rejects a temporary access request."""
    _require_primary(organisation, by)
    with transaction.atomic():
        grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.contact.organisation_id != organisation.pk:
            raise NotFound("access request not found")
        if grant.state != AccessGrant.State.PENDING:
            raise Conflict(f"this request was already {grant.state}", field="grant")
        grant.state = AccessGrant.State.CONFIRMED if approve else AccessGrant.State.REJECTED
        grant.decided_at, grant.decided_by = now, by
        grant.save(update_fields=["state", "decided_at", "decided_by"])
    return grant


def contact_ban(*, contact: Contact, by: Agent, reason: str, now: datetime) -> Contact:
    """RL-7: the support lead bans an abusive requester; new requests are refused."""
    _require_support_lead(by)
    if not reason.strip():
        raise InvalidInput("a ban needs a reason", field="reason")
    contact.banned_at, contact.ban_reason = now, reason.strip()
    contact.save(update_fields=["banned_at", "ban_reason"])
    return contact


def contact_unban(*, contact: Contact, by: Agent) -> Contact:
    _require_support_lead(by)
    contact.banned_at, contact.ban_reason = None, ""
    contact.save(update_fields=["banned_at", "ban_reason"])
    return contact


def contact_by_email(address: str) -> Contact | None:
    found = (ContactEmail.objects.select_related("contact__organisation")
             .annotate(lower=Lower("address")).filter(lower=address.strip().lower()).first())
    return found.contact if found else None


def contact_by_phone(number: str) -> Contact | None:
    """FG-4: the contact a voicemail's caller id belongs to, if any."""
    try:
        normalised = _phone(number)
    except InvalidInput:
        return None
    found = ContactPhone.objects.select_related("contact__organisation").filter(
        number=normalised).first()
    return found.contact if found else None


def _require_primary(organisation: Organisation, by: Contact) -> None:
    if by.organisation_id != organisation.pk or organisation.primary_contact_id != by.pk:
        raise PermissionDenied("only the organisation's primary contact manages its personnel")


def _require_support_lead(by: Agent) -> None:
    if not (by.has_role(Agent.Role.SUPPORT_LEAD) or by.has_role(Agent.Role.ADMINISTRATOR)):
        raise PermissionDenied("only the support lead may ban or lift a ban")


def _email(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput(f"not an email address: {address!r}", field="emails") from None
    return address


def _phone(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if not 8 <= len(digits) <= 15:
        raise InvalidInput(f"not a phone number: {number!r}", field="phones")
    if not number.strip().startswith("+") and len(digits) == 10:
        digits = "1" + digits  # a bare ten-digit number is North American (FG's help line)
    return "+" + digits


def _check_zone(timezone: str) -> None:
    if not timezone:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}", field="timezone") from None
