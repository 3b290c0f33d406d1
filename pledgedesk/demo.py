"""Sample data for ``pledgedesk demo``. Grows as features land; every step is idempotent."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@pledgedesk.invalid"
PASSWORD_FILE = "demo-password"  # noqa: S105 (a file name, not a secret)


def demo_login() -> str:
    """Make sure the demo administrator exists; return how to sign in as it.

    The password is random, made once per data directory and kept there readable only by its
    owner, so a demo reachable from a network is not open to anyone who read this file.
    """
    password = _demo_password()
    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"email": DEMO_EMAIL, "is_staff": True, "is_superuser": True},
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
    return f"Sign in at /admin/ as {DEMO_USERNAME!r} with password {password!r}."


def _demo_password() -> str:
    path = settings.DATA_DIR / PASSWORD_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="ascii")
    return password
