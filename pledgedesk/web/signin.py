"""Signing in to the portal and the console: one form, rate-limited per account and per
address (``web.ratelimit``), passwords checked by Django's ModelBackend (Argon2 hashes).

Each side resolves what the person typed (an email, a username) to a User and says whether
that user belongs on its side; an unknown identifier still costs one password hash, so the
answer time does not tell which accounts exist."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from django import forms
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


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def sign_in(request: HttpRequest, form: SignInForm, *, scope: str,
            resolve: Callable[[str], object | None], belongs: Callable[[object], bool],
            now: datetime, failure: str = GENERIC_FAILURE) -> bool:
    """Check the form and sign in. On failure, the form carries the reason and False is
    returned. ``resolve`` maps the identifier to a User or None; ``belongs`` says whether
    that user may use this side of the desk."""
    if not form.is_valid():
        return False
    identifier = form.cleaned_data["identifier"].strip()
    address = client_address(request)
    verdict = ratelimit.check(scope=scope, account=identifier, address=address, now=now)
    if not verdict.allowed:
        minutes = max(1, round(verdict.retry_after.total_seconds() / 60))
        form.add_error(None, f"Too many failed sign-in attempts. Try again in {minutes} "
                             f"minute{'s' if minutes != 1 else ''}, or reset your password.")
        return False
    found = resolve(identifier)
    username = found.get_username() if found is not None else _nobody()
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is None or found is None or not belongs(user):
        ratelimit.record_failure(scope=scope, account=identifier, address=address, now=now)
        form.add_error(None, failure)
        return False
    ratelimit.reset(scope=scope, account=identifier, address=address)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return True


def _nobody() -> str:
    # A username no account has (the validator refuses "!", and the suffix is random):
    # ModelBackend still runs the hasher once for it.
    return f"!no-such-user-{secrets.token_hex(16)}"


def user_by_username(identifier: str):
    return get_user_model().objects.filter(username=identifier).first()
