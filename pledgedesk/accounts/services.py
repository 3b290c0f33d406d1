"""Changing organisations and their people. Portal, console, API and importers call these.

Each is one transaction with explicit arguments and an explicit ``now``. The primary contact
manages the organisation's authorised personnel and decides temporary access (FG-10); held
tickets are confirmed through ``tickets.services.ticket_authorise``, which decides the grant
that came with them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
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
from pledgedesk.versions.policies import policy_in_force


def organisation_check(*, name: str, policy_key: str, plans: Sequence[str] = (),
                       timezone: str = "", now: datetime) -> None:
    """What ``organisation_create`` refuses, checked without writing an organisation: the
    admin form calls it to put each problem on its field before anything is saved."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    if len(name.strip()) > 200:
        raise InvalidInput("name is longer than 200 characters", field="name")
    _, policy = policy_in_force(policy_key, now=now)
    unknown = [p for p in plans if p not in policy.plan_chains]
    if unknown:
        raise InvalidInput(f"unknown plan {unknown[0]!r}; this policy has "
                           f"{', '.join(policy.plan_chains)}", field="plans")
    _check_zone(timezone)


def organisation_create(
    *, name: str, policy_key: str, plans: Sequence[str] = (), timezone: str = "",
    country: str = "", subdivision: str = "", now: datetime,
) -> Organisation:
    """A customer organisation under a support policy, holding some of its plans. Admin, the
    demo and importers all create organisations here."""
    organisation_check(name=name, policy_key=policy_key, plans=plans, timezone=timezone,
                       now=now)
    return Organisation.objects.create(
        name=name.strip(), policy_key=policy_key, plans=list(plans), timezone=timezone,
        country=country.strip().upper(), subdivision=subdivision.strip().upper(),
        created_at=now,
    )


@dataclass(frozen=True)
class ContactDetails:
    """A contact's name, email addresses and E.164 phone numbers, checked and normalised."""

    name: str
    emails: list[str]
    phones: list[str]


def contact_check(
    *, organisation: Organisation, name: str, emails: Sequence[str] = (),
    phones: Sequence[str] = (), signs_in: bool = False,
) -> ContactDetails:
    """What ``contact_create`` would store, or the first problem with it, naming its field.
    Phone numbers typed without a country code are read in the organisation's country."""
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > 200:
        raise InvalidInput("name is longer than 200 characters", field="name")
    clean_emails = list({_email(e).lower(): _email(e) for e in emails if e.strip()}.values())
    clean_phones = list(dict.fromkeys(
        phone_normalise(p, region=organisation.country) for p in phones if p.strip()))
    if signs_in and not clean_emails:
        raise InvalidInput("a contact who signs in needs an email address", field="emails")
    lowered = [e.lower() for e in clean_emails]
    if lowered and ContactEmail.objects.annotate(lower=Lower("address")).filter(
            lower__in=lowered).exists():
        raise Conflict("that email address already belongs to a contact", field="emails")
    if clean_phones and ContactPhone.objects.filter(number__in=clean_phones).exists():
        raise Conflict("that phone number already belongs to a contact", field="phones")
    return ContactDetails(name=name, emails=clean_emails, phones=clean_phones)


def contact_create(
    *, organisation: Organisation, name: str, emails: Sequence[str] = (),
    phones: Sequence[str] = (), authorised: bool = False, password: str | None = None,
    password_hash: str | None = None, now: datetime,
) -> Contact:
    """A person at a customer (admin, the demo, importers). With a password (or a hash made
    once by ``make_password``, as the demo does for all its people) they can sign in to the
    portal; the first email is their sign-in name. Phone numbers are kept in E.164
    (+15551234567), whatever the format typed, so a voicemail's caller id finds them (FG-4)."""
    signs_in = password is not None or password_hash is not None
    details = contact_check(organisation=organisation, name=name, emails=emails,
                            phones=phones, signs_in=signs_in)
    try:
        with transaction.atomic():
            user = _login(details.emails[0], password, password_hash) if signs_in else None
            contact = Contact.objects.create(
                organisation=organisation, name=details.name, user=user,
                authorised=authorised, created_at=now)
            ContactEmail.objects.bulk_create(
                [ContactEmail(contact=contact, address=e) for e in details.emails])
            ContactPhone.objects.bulk_create(
                [ContactPhone(contact=contact, number=p) for p in details.phones])
    except IntegrityError:  # a concurrent create took the address or number first
        raise Conflict("that email address or phone number already belongs to a contact",
                       field="emails") from None
    return contact


def _login(email: str, password: str | None, password_hash: str | None):
    model = get_user_model()
    if password_hash is not None:
        user = model(username=email, email=email, password=password_hash)
        user.save()
        return user
    return model.objects.create_user(username=email, email=email, password=password)


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
    taken = InvalidInput(f"{email} already belongs to a contact", field="email")
    try:
        with transaction.atomic():
            if ContactEmail.objects.filter(address__iexact=email).exists():
                raise taken
            user = get_user_model().objects.create_user(
                username=f"contact-{secrets.token_hex(8)}", email=email)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            contact = Contact.objects.create(organisation=organisation, name=name, user=user,
                                             authorised=True, created_at=now)
            ContactEmail.objects.create(contact=contact, address=email)
    except IntegrityError:
        # Someone added the same address between the check and the insert (two sessions of
        # one primary contact, say): the unique index refused it, the same refusal as above.
        if ContactEmail.objects.filter(address__iexact=email).exists():
            raise taken from None
        raise
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


# How long temporary access lasts once the primary contact confirms it (FG-10). The
# guidelines give no figure; 30 days is our choice.
TEMPORARY_ACCESS = timedelta(days=30)


def access_grant_request(*, contact: Contact, reason: str, now: datetime) -> AccessGrant:
    """FG-10: ask the primary contact to confirm temporary access for ``contact``. One open
    request per contact: a second held ticket joins the first. Its expiry stays provisional
    until the request is decided (``access_grant_decide`` starts the period)."""
    grant = access_grant_pending(contact)
    if grant is None:
        grant = AccessGrant.objects.create(contact=contact, requested_at=now,
                                           expires_at=now + TEMPORARY_ACCESS, reason=reason)
    return grant


def access_grant_pending(contact: Contact) -> AccessGrant | None:
    return (AccessGrant.objects.filter(contact=contact, state=AccessGrant.State.PENDING)
            .order_by("pk").first())


def access_grant_decide(
    *, organisation: Organisation, by: Contact, grant: AccessGrant, approve: bool,
    now: datetime,
) -> AccessGrant:
    """FG-10: the primary contact confirms or rejects a temporary access request, once.
    Confirmed access lasts ``TEMPORARY_ACCESS`` from the decision; a rejected request ends
    now. ``tickets.services.ticket_authorise`` decides a held ticket's request through this,
    inside its own transaction."""
    _require_primary(organisation, by)
    with transaction.atomic():
        grant = (AccessGrant.objects.select_for_update(of=("self",))
                 .select_related("contact").get(pk=grant.pk))
        if grant.contact.organisation_id != organisation.pk:
            raise NotFound("access request not found")
        if grant.state != AccessGrant.State.PENDING:
            raise Conflict(f"this request was already {grant.state}", field="grant")
        grant.state = AccessGrant.State.CONFIRMED if approve else AccessGrant.State.REJECTED
        grant.decided_at, grant.decided_by = now, by
        grant.expires_at = now + TEMPORARY_ACCESS if approve else now
        grant.save(update_fields=["state", "decided_at", "decided_by", "expires_at"])
    return grant


def access_granted(contact: Contact, *, now: datetime) -> bool:
    """Whether a confirmed temporary access grant covers ``contact`` at ``now`` (FG-10)."""
    return AccessGrant.objects.filter(
        contact=contact, state=AccessGrant.State.CONFIRMED, expires_at__gt=now).exists()


MAX_BAN_REASON = 2000


def may_ban(agent: Agent | None) -> bool:
    """RL-7: who may ban or lift a ban: the support lead, and administrators. The services
    below refuse everyone else; pages read this to offer the action only to them."""
    return agent is not None and agent.active and (
        agent.has_role(Agent.Role.SUPPORT_LEAD) or agent.has_role(Agent.Role.ADMINISTRATOR))


def contact_ban(*, contact: Contact, by: Agent | None, reason: str, now: datetime) -> Contact:
    """RL-7: the support lead bans an abusive requester; new requests are refused."""
    return _ban(contact, by=by, reason=reason, now=now)


def contact_unban(*, contact: Contact, by: Agent | None) -> Contact:
    return _ban(contact, by=by, reason=None, now=None)


def organisation_ban(*, organisation: Organisation, by: Agent | None, reason: str,
                     now: datetime) -> Organisation:
    """RL-7: the support lead refuses a whole organisation (spammers, phishers, scammers);
    new requests from any of its people are refused."""
    return _ban(organisation, by=by, reason=reason, now=now)


def organisation_unban(*, organisation: Organisation, by: Agent | None) -> Organisation:
    return _ban(organisation, by=by, reason=None, now=None)


def _ban(row, *, by: Agent | None, reason: str | None, now: datetime | None):
    """Set (``reason`` given) or lift (``reason`` None) the ban on a contact or organisation."""
    if not may_ban(by):
        raise PermissionDenied("only the support lead may ban or lift a ban")
    if reason is not None:
        reason = reason.strip()
        if not reason:
            raise InvalidInput("a ban needs a reason", field="reason")
        if len(reason) > MAX_BAN_REASON:
            raise InvalidInput(f"reason is longer than {MAX_BAN_REASON} characters",
                               field="reason")
    row.banned_at, row.ban_reason = (now, reason) if reason is not None else (None, "")
    row.save(update_fields=["banned_at", "ban_reason"])
    return row


def contact_by_email(address: str) -> Contact | None:
    found = (ContactEmail.objects.select_related("contact__organisation")
             .annotate(lower=Lower("address")).filter(lower=address.strip().lower()).first())
    return found.contact if found else None


def contact_by_phone(number: str, *, region: str = "") -> Contact | None:
    """FG-4: the contact a voicemail's caller id, or a number an agent types, belongs to."""
    try:
        normalised = phone_normalise(number, region=region)
    except InvalidInput:
        return None
    found = ContactPhone.objects.select_related("contact__organisation").filter(
        number=normalised).first()
    return found.contact if found else None


# A number typed without its country code is read in its organisation's country; where none
# is known, as North American: the FG help line's caller ids come that way ("952-252-3620").
DEFAULT_PHONE_REGION = "US"


def phone_normalise(number: str, *, region: str = "") -> str:
    """``number`` in E.164, typed in any common format: "(952) 555-0100", "952.555.0100",
    "+1 952 555 0100", "001 952 555 0100" (from Germany). ``region`` is the country (ISO
    3166 alpha-2) a number without its country code is read in. Google's libphonenumber
    (``phonenumbers``) decides; a number no country could dial is refused, naming ``phones``."""
    try:
        parsed = phonenumbers.parse(number, (region or DEFAULT_PHONE_REGION).upper())
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(f"not a phone number: {number!r}", field="phones")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _require_primary(organisation: Organisation, by: Contact) -> None:
    if by.organisation_id != organisation.pk or organisation.primary_contact_id != by.pk:
        raise PermissionDenied("only the organisation's primary contact manages its personnel")


def _email(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput(f"not an email address: {address!r}", field="emails") from None
    return address


def _check_zone(timezone: str) -> None:
    if not timezone:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}", field="timezone") from None
