"""Checking a password, for every door that does: the portal's and the console's sign-in forms,
Django admin's login (``web.admin_site``), and the portal's password-reset form (its own budget).

Each door resolves what the person typed (an email, a username) to a User; ``check_password``
counts the attempt on that user's account and slows the client's address down
(``web.ratelimit``) before Django's ModelBackend checks the password (Argon2 hashes). An
identifier that names nobody is counted under its normalised text and still costs one password
hash, so neither the answer, its time nor the lock tells which accounts exist.
"""

from __future__ import annotations

import ipaddress
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login
from django.http import HttpRequest

from pledgedesk.web import ratelimit
from pledgedesk.web.uploads import DeskForm

GENERIC_FAILURE = "That email or password is not right."


class SignInForm(DeskForm):
    identifier = forms.CharField(label="Email address", max_length=254, widget=forms.TextInput(
        attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))


class Refused(Exception):
    """Too many attempts: the password was not checked."""

    def __init__(self, verdict: ratelimit.Verdict):
        super().__init__(verdict)
        self.verdict = verdict

    @property
    def message(self) -> str:
        if self.verdict.busy:
            return ("Too many sign-in attempts from your network just now. Try again in a few "
                    "seconds.")
        minutes = max(1, round(self.verdict.retry_after / timedelta(minutes=1)))
        return (f"Too many failed sign-in attempts. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}, or reset your password.")


def account_key(identifier: str, user) -> str:
    """What the limiter counts an attempt on: the account, however it was typed; for a name
    nobody has, its normalised text (so every spelling of it shares one count, as every
    spelling of a real account does)."""
    if user is not None:
        return f"user:{user.pk}"
    return "name:" + " ".join(unicodedata.normalize("NFKC", identifier).casefold().split())


def check_password(request: HttpRequest, *, identifier: str, found, password: str,
                   now: datetime, belongs: Callable[[object], bool] = lambda user: True):
    """``found`` (the user ``identifier`` resolved to, or None) if ``password`` is theirs and
    ``belongs(found)``; else None. Raises Refused, without checking, when the limiter says no."""
    account = account_key(identifier, found)
    address = client_address(request)
    verdict = ratelimit.admit(scope=ratelimit.SIGN_IN, account=account, address=address,
                              now=now)
    if not verdict.allowed:
        raise Refused(verdict)
    username = found.get_username() if found is not None else _nobody()
    user = authenticate(request, username=username, password=password)
    if user is None or found is None or not belongs(user):
        ratelimit.record_failure(scope=ratelimit.SIGN_IN, address=address, now=now)
        return None
    ratelimit.clear_account(scope=ratelimit.SIGN_IN, account=account, now=now)
    return user


def sign_in(request: HttpRequest, form: SignInForm, *,
            resolve: Callable[[str], object | None], belongs: Callable[[object], bool],
            now: datetime, failure: str = GENERIC_FAILURE) -> bool:
    """Check the form and sign in. On failure, the form carries the reason and False is
    returned. ``resolve`` maps the identifier to a User or None; ``belongs`` says whether
    that user may use this side of the desk."""
    if not form.is_valid():
        return False
    identifier = form.cleaned_data["identifier"].strip()
    try:
        user = check_password(request, identifier=identifier, found=resolve(identifier),
                              password=form.cleaned_data["password"], now=now, belongs=belongs)
    except Refused as refused:
        form.add_error(None, refused.message)
        return False
    if user is None:
        form.add_error(None, failure)
        return False
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return True


def reset_allowed(request: HttpRequest, *, identifier: str, found, now: datetime) -> bool:
    """Whether a password-reset mail may be sent for ``identifier`` now. Every request counts
    on the account (five mails per window) and slows the address, on a budget of its own: a
    flood of reset requests must not lock the account's owner out of signing in."""
    address = client_address(request)
    verdict = ratelimit.admit(scope=ratelimit.RESET, account=account_key(identifier, found),
                              address=address, now=now)
    if verdict.allowed:
        ratelimit.record_failure(scope=ratelimit.RESET, address=address, now=now)
    return verdict.allowed


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the peer's, or, when the peer is one of
    ``PLEDGEDESK_TRUSTED_PROXIES``, the nearest address in ``X-Forwarded-For`` that is not one of
    them. Entries further left were written by the client and are never believed."""
    remote = request.META.get("REMOTE_ADDR") or ""
    client = _ip(remote)
    if client is None:
        return remote or "unknown"
    trusted = settings.PLEDGEDESK_TRUSTED_PROXIES
    if not _among(client, trusted):
        return str(client)
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _ip(hop)
        if address is None:
            break  # unreadable: a proxy of ours wrote nothing sensible; keep the last one
        client = address
        if not _among(address, trusted):
            break
    return str(client)


def _ip(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _among(address, networks) -> bool:
    return any(address in network for network in networks)


def _nobody() -> str:
    # A username no account has (the validator refuses "!", and the suffix is random):
    # ModelBackend still runs the hasher once for it.
    return f"!no-such-user-{secrets.token_hex(16)}"


def user_by_username(identifier: str):
    """The user with this username: the exact one, else the one that differs only in case
    (Django's user forms refuse such near-duplicates), so either spelling names one account."""
    users = get_user_model().objects
    return (users.filter(username=identifier).first()
            or users.filter(username__iexact=identifier).order_by("pk").first())
