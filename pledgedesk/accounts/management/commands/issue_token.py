"""``pledgedesk manage issue_token USERNAME --name NAME``: an API token for an agent or a
contact. The token is printed once and stored only as its digest."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pledgedesk import clock
from pledgedesk.accounts.tokens import token_issue
from pledgedesk.errors import DeskError


class Command(BaseCommand):
    help = "Issue an API token for a user (printed once; only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        try:
            issued = token_issue(user=user, name=name, now=clock.current())
        except DeskError as exc:
            raise CommandError(f"--{exc.field or 'name'}: {exc.message}") from None
        self.stdout.write(issued.raw)
        self.stderr.write("Keep this token now: it is not stored and cannot be shown again.")
