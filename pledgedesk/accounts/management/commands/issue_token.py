"""``pledgedesk manage issue_token USERNAME --name NAME [--expires-in DAYS]``: an API token for
an agent or a contact, working until revoked or for DAYS days. The token is printed once and
stored only as its digest."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pledgedesk import clock
from pledgedesk.accounts.tokens import token_issue
from pledgedesk.errors import DeskError

MAX_DAYS = 36500  # a hundred years: beyond it a date is a typo, and datetime's range is near


class Command(BaseCommand):
    help = "Issue an API token for a user (printed once; only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--expires-in", metavar="DAYS", dest="expires_in",
                            help=f"days until the token stops working (1-{MAX_DAYS}); "
                                 "default: until revoked")

    def handle(self, *args, username: str, name: str, expires_in: str | None, **options):
        days = _days(expires_in)
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        now = clock.current()
        expires_at = now + timedelta(days=days) if days is not None else None
        try:
            issued = token_issue(user=user, name=name, now=now, expires_at=expires_at)
        except DeskError as exc:
            raise CommandError(f"--{exc.field or 'name'}: {exc.message}") from None
        self.stdout.write(issued.raw)
        self.stderr.write("Keep this token now: it is not stored and cannot be shown again.")


def _days(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        days = int(raw.strip())
    except ValueError:
        raise CommandError(f"--expires-in: {raw!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--expires-in: {days} is not between 1 and {MAX_DAYS} days")
    return days
