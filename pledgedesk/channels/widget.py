"""The embeddable widget (PR-1): in-product ticketing through a frame a customer's product
embeds (docs/widget.md).

- An administrator configures, per organisation, the origins that may embed the frame (its
  ``frame-ancestors``) and gets a widget secret, shown once, which the host product signs its
  signed-in user with: a compact JWS, HS256 (``widget_token_verify``).
- The frame exchanges that host token for a widget session token (``widget_session_issue``),
  signed with the desk's own key, which its forms carry instead of a cookie: it works where
  third-party cookies are blocked, and a page elsewhere cannot forge it (the CSRF defence).
- A request from the frame is a ticket opened by ``tickets.services.ticket_create``, as the
  portal's, so every intake rule of the policy applies (FG-10, RL-7, RK-2, RK-10, ...).
  The requester is always the token's subject: the widget cannot file as someone else.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import jwt
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from pledgedesk.accounts.authorization import ANONYMOUS, Principal
from pledgedesk.accounts.models import Agent, Contact, ContactEmail, Organisation
from pledgedesk.channels.models import WidgetSettings
from pledgedesk.errors import (
    Conflict,
    DeskError,
    ErrorCode,
    IntakeRefused,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from pledgedesk.policy.compile import Policy
from pledgedesk.tickets.intake import NewTicket, door_channel
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import ticket_create
from pledgedesk.versions.policies import policy_in_force

TOKEN_MAX_LIFETIME = timedelta(hours=1)  # exp - iat; also the longest a widget session lasts
CLOCK_SKEW = timedelta(seconds=60)  # a host whose clock runs a little fast still works
ROTATION_GRACE = timedelta(hours=24)  # the previous secret verifies this long after rotation
MAX_ORIGINS = 20
SESSION_SALT = "pledgedesk.channels.widget.session"
_LOOPBACK_NAMES = ("localhost",)


class WidgetRefused(DeskError):
    """A host token or widget session the desk does not accept; the message says why and is
    safe to show (it never contains the token or the secret)."""

    code = ErrorCode.UNAUTHENTICATED
    status = 401


@dataclass(frozen=True)
class IssuedSecret:
    widget: WidgetSettings
    secret: str = field(repr=False)  # shown once, to the administrator who made it


@dataclass(frozen=True)
class WidgetUser:
    """The person a verified token names: a contact of the widget's organisation."""

    widget: WidgetSettings
    contact: Contact
    email: str
    name: str
    expires_at: datetime  # the host token's expiry: the widget session ends with it


# --- settings (administrators) ---------------------------------------------------------------


@sensitive_variables("secret")  # kept out of Django's error reports
def widget_create(*, agent: Agent | None, organisation: Organisation, origins: Sequence[str],
                  now: datetime) -> IssuedSecret:
    """Switch the widget on for ``organisation``, embeddable from ``origins``; the secret is
    in the result and shown once."""
    _require_administrator(agent)
    cleaned = origins_clean(origins)
    secret = _new_secret()
    try:
        with transaction.atomic():
            widget = WidgetSettings.objects.create(
                organisation=organisation, public_id=secrets.token_urlsafe(12),
                origins=cleaned, secret=secret, created_at=now, rotated_at=now)
    except IntegrityError:
        raise Conflict(f"{organisation.name} already has a widget; change its origins or "
                       "rotate its secret", field="organisation") from None
    return IssuedSecret(widget=widget, secret=secret)


def widget_set_origins(*, agent: Agent | None = None, organisation: Organisation,
                       origins: Sequence[str], now: datetime,
                       contact: Contact | None = None) -> WidgetSettings:
    """Replace the origins allowed to embed the widget. An empty list keeps the widget but
    lets no page frame it (``frame-ancestors 'none'``). By an administrator (``agent``) or
    the organisation's own primary contact (``contact``, from the portal): the customer
    knows where their product runs."""
    _require_manager(agent, contact, organisation)
    cleaned = origins_clean(origins)
    with transaction.atomic():
        widget = _locked(organisation)
        widget.origins = cleaned
        widget.save(update_fields=["origins"])
    return widget


@sensitive_variables("secret")
def widget_rotate_secret(*, agent: Agent | None, organisation: Organisation, now: datetime,
                         grace: timedelta = ROTATION_GRACE) -> IssuedSecret:
    """A new secret, shown once. Tokens signed with the one it replaces verify for ``grace``
    more (zero: at once no more, for a leaked secret); an older one stops at once."""
    _require_administrator(agent)
    if grace < timedelta(0) or grace > timedelta(days=7):
        raise InvalidInput("grace must be between 0 and 7 days", field="grace")
    secret = _new_secret()
    with transaction.atomic():
        widget = _locked(organisation)
        widget.previous_secret = widget.secret if grace else ""
        widget.previous_until = now + grace if grace else None
        widget.secret, widget.rotated_at = secret, now
        widget.save(update_fields=["secret", "previous_secret", "previous_until",
                                   "rotated_at"])
    return IssuedSecret(widget=widget, secret=secret)


def widget_of(*, agent: Agent | None = None, organisation: Organisation,
              contact: Contact | None = None) -> WidgetSettings | None:
    """The organisation's widget settings, for an administrator or the organisation's primary
    contact (None: not switched on). Never the secret's value to anyone: see above."""
    _require_manager(agent, contact, organisation)
    return WidgetSettings.objects.filter(organisation=organisation).first()


def widget_organisations(*, agent: Agent | None) -> list[Organisation]:
    """Every organisation with its widget (``org.widget_or_none``), by name."""
    _require_administrator(agent)
    orgs = list(Organisation.objects.order_by("name", "pk"))
    widgets = {w.organisation_id: w for w in WidgetSettings.objects.all()}
    for org in orgs:
        org.widget_or_none = widgets.get(org.pk)
    return orgs


def widget_by_public_id(public_id: str) -> WidgetSettings | None:
    """The widget a frame URL names, with its organisation; None for an unknown id."""
    return (WidgetSettings.objects.select_related("organisation")
            .filter(public_id=public_id).first())


def _locked(organisation: Organisation) -> WidgetSettings:
    widget = (WidgetSettings.objects.select_for_update().select_related("organisation")
              .filter(organisation=organisation).first())
    if widget is None:
        raise NotFound(f"{organisation.name} has no widget yet", field="organisation")
    return widget


def _new_secret() -> str:
    return "pdw_" + secrets.token_urlsafe(32)  # 256 random bits; the prefix helps scanners


def _require_manager(agent: Agent | None, contact: Contact | None,
                     organisation: Organisation) -> None:
    """An administrator, or the organisation's primary contact (not banned, RL-7)."""
    if contact is not None and agent is None:
        if (contact.organisation_id != organisation.pk or contact.is_banned
                or organisation.primary_contact_id != contact.pk):
            raise PermissionDenied("only the organisation's primary contact can change its "
                                   "widget's origins")
        return
    _require_administrator(agent)


def _require_administrator(agent: Agent | None) -> None:
    if agent is None or not agent.active or not agent.has_role(Agent.Role.ADMINISTRATOR):
        raise PermissionDenied("only an administrator can see and change widget settings")


# --- origins ---------------------------------------------------------------------------------


def origins_clean(origins: Sequence[str]) -> list[str]:
    """Each origin normalised to ``scheme://host[:port]`` (lower case, IDNA, default port
    dropped), duplicates removed, sorted. Refused, naming the entry (``origins.N``): a path,
    query, fragment or user name; a wildcard (list each host instead: ``*.example.com`` would
    let any subdomain, a user-content or a taken-over one, frame the form); a scheme other
    than https, except http for loopback hosts (a local host product in development)."""
    if isinstance(origins, str):
        raise InvalidInput("origins must be a list of origins", field="origins")
    if len(origins) > MAX_ORIGINS:
        raise InvalidInput(f"at most {MAX_ORIGINS} origins", field="origins")
    return sorted({_origin(value, i) for i, value in enumerate(origins)})


def _origin(value: str, i: int) -> str:
    field = f"origins.{i}"
    text = str(value).strip()

    def bad(why: str) -> InvalidInput:
        return InvalidInput(f"origin {text!r}: {why}; an origin is scheme://host[:port], "
                            "e.g. https://app.example.com", field=field)

    if not text:
        raise bad("is empty")
    if "*" in text:
        raise bad("wildcards are not allowed, list each host")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise bad(str(exc)) from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise bad("needs https:// (or http:// for localhost)")
    if parts.username is not None or parts.password is not None:
        raise bad("must not contain a user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise bad("must not have a path, query or fragment")
    host = _host(parts.hostname or "", bad)
    if parts.scheme == "http" and not _loopback(host):
        raise bad("http is only for loopback hosts (localhost, 127.0.0.1, [::1]); use https")
    default = {"https": 443, "http": 80}[parts.scheme]
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port not in (None, default) else "")


def _host(hostname: str, bad) -> str:
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    try:
        host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise bad("has an invalid host name") from None
    labels = host.split(".")
    if not all(label and len(label) <= 63 and label.replace("-", "").isalnum()
               and not label.startswith("-") and not label.endswith("-") for label in labels):
        raise bad("has an invalid host name")
    return host


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the host token ----------------------------------------------------------------------------


@sensitive_variables("token")
def widget_token_verify(*, public_id: str, token: str, now: datetime) -> WidgetUser:
    """The contact a host token names, or WidgetRefused saying why. The token is a compact
    JWS, HS256 only, signed with the widget's secret (or the previous one, within its grace),
    with claims ``aud`` (this widget's id), ``email``, ``iat`` and ``exp`` (at most one hour
    apart; ``nbf`` and ``name`` optional). The email must be one of the organisation's
    contacts' addresses."""
    widget = widget_by_public_id(public_id)
    if widget is None:
        raise WidgetRefused("there is no widget with this id", field="widget")
    claims = _claims(widget, (token or "").strip(), now)
    expires_at = _check_times(claims, now)
    email = _email(claims.get("email"))
    contact = _contact(widget.organisation, email)
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    return WidgetUser(widget=widget, contact=contact, email=email,
                      name=(name or contact.name)[:200], expires_at=expires_at)


@sensitive_variables("token", "key")
def _claims(widget: WidgetSettings, token: str, now: datetime) -> dict:
    if not token:
        raise WidgetRefused("no token: the host product must supply one", field="token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise WidgetRefused("the token is not a compact JWS (header.payload.signature)",
                            field="token") from None
    if header.get("alg") != "HS256":
        raise WidgetRefused(f"the token is signed with {header.get('alg')!r}; only HS256 is "
                            "accepted", field="token")
    for key in _keys(widget, now):
        try:
            return jwt.decode(token, key, algorithms=["HS256"], audience=widget.public_id,
                              options={"require": ["aud", "email", "iat", "exp"],
                                       "verify_exp": False, "verify_iat": False,
                                       "verify_nbf": False})
        except jwt.InvalidSignatureError:
            continue  # PyJWT compares the signature in constant time; try the next key
        except jwt.MissingRequiredClaimError as exc:
            raise WidgetRefused(f"the token has no {exc.claim!r} claim", field="token") from None
        except jwt.InvalidAudienceError:
            raise WidgetRefused("the token is for another widget (its 'aud' is not this "
                                "widget's id)", field="token") from None
        except jwt.PyJWTError:
            raise WidgetRefused("the token cannot be read", field="token") from None
    raise WidgetRefused("the token's signature does not match this organisation's widget "
                        "secret", field="token")


def _keys(widget: WidgetSettings, now: datetime) -> list[str]:
    keys = [widget.secret]
    if widget.previous_secret and widget.previous_until and now < widget.previous_until:
        keys.append(widget.previous_secret)
    return keys


def _check_times(claims: dict, now: datetime) -> datetime:
    issued, expires = _instant(claims, "iat"), _instant(claims, "exp")
    if expires <= now:
        raise WidgetRefused(f"the token expired at {expires:%Y-%m-%d %H:%M:%S} UTC",
                            field="token")
    if issued > now + CLOCK_SKEW:
        raise WidgetRefused("the token was issued in the future: check the host's clock",
                            field="token")
    if expires - issued > TOKEN_MAX_LIFETIME:
        raise WidgetRefused("the token lives longer than one hour (exp - iat > 3600)",
                            field="token")
    if "nbf" in claims and _instant(claims, "nbf") > now + CLOCK_SKEW:
        raise WidgetRefused("the token is not valid yet ('nbf')", field="token")
    return expires


def _instant(claims: dict, name: str) -> datetime:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WidgetRefused(f"the token's {name!r} must be a number of seconds since 1970",
                            field="token")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise WidgetRefused(f"the token's {name!r} is out of range", field="token") from None


def _email(value) -> str:
    try:
        validate_email(value)
    except (ValidationError, TypeError):
        raise WidgetRefused("the token's 'email' is not an email address",
                            field="token") from None
    return value.strip()


def _contact(organisation: Organisation, email: str) -> Contact:
    row = (ContactEmail.objects.select_related("contact__organisation")
           .filter(address__iexact=email, contact__organisation=organisation)
           .order_by("pk").first())
    if row is None:
        raise WidgetRefused(f"{email} is not a contact of {organisation.name}: ask the support "
                            "team to add them", field="email")
    return row.contact


# --- the widget session ----------------------------------------------------------------------


def widget_session_issue(user: WidgetUser) -> str:
    """A token the frame's forms carry instead of a cookie, signed with the desk's key and
    bound to this widget and contact; it ends when the host token does."""
    return signing.dumps({"w": user.widget.public_id, "c": user.contact.pk, "n": user.name,
                          "e": user.email, "x": int(user.expires_at.timestamp())},
                         salt=SESSION_SALT)


def widget_session_verify(*, public_id: str, session: str, now: datetime) -> WidgetUser:
    try:
        data = signing.loads(session or "", salt=SESSION_SALT)
    except signing.BadSignature:
        raise WidgetRefused("this form's session is not valid: close the widget and open it "
                            "again", field="session") from None
    expires_at = datetime.fromtimestamp(data["x"], UTC)
    if data["w"] != public_id:
        raise WidgetRefused("this form's session belongs to another widget", field="session")
    if expires_at <= now:
        raise WidgetRefused("this form's session has expired: close the widget and open it "
                            "again", field="session")
    widget = widget_by_public_id(public_id)
    contact = Contact.objects.filter(pk=data["c"], organisation_id=getattr(
        widget, "organisation_id", None)).first()
    if widget is None or contact is None:
        raise WidgetRefused("this form's session no longer names a contact of this "
                            "organisation", field="session")
    return WidgetUser(widget=widget, contact=contact, email=data["e"], name=data["n"],
                      expires_at=expires_at)


def widget_principal(user: WidgetUser) -> Principal:
    """Who the widget's user is for what they may read (the knowledge base's suggestions):
    their contact, as if signed in to the portal; nobody while banned (RL-7)."""
    contact = user.contact
    return ANONYMOUS if contact.is_banned else Principal(contact=contact)


# --- filing a request ------------------------------------------------------------------------


def widget_channel(policy: Policy) -> str | None:
    """The channel a widget request is recorded under: the policy's widget (PR-1), else the
    channel of its web door (the portal), else None (the policy takes no web requests)."""
    if "widget" in policy.spec.channels.offered():
        return "widget"
    return door_channel(policy, "web")


def widget_request_create(*, user: WidgetUser, subject: str, description: str,
                          priority: str | None, topic: str = "", copy_administrator=False,
                          files: Sequence[File] = (), now: datetime) -> Ticket:
    """Open the ticket ``user`` asked for through the widget, by ``ticket_create`` (its
    transaction, its intake rules, its refusals)."""
    org = user.widget.organisation
    policy = policy_in_force(org.policy_key, now=now)[1]
    channel = widget_channel(policy)
    if channel is None:
        raise IntakeRefused("this support team takes no requests through the web; its "
                            "support policy says how to reach them", field="channel")
    cc = [org.administrator] if copy_administrator and org.administrator_id not in (
        None, user.contact.pk) else []
    return ticket_create(new=NewTicket(
        organisation=org, requester=user.contact, channel=channel, subject=subject,
        description=description, priority=priority, topic=topic, cc=cc), files=files, now=now)
