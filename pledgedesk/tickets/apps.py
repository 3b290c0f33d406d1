from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "pledgedesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from pledgedesk.tickets.policies import forget_current_versions

        # A flush (tests) or migration can remove recorded policy versions.
        post_migrate.connect(forget_current_versions, dispatch_uid="pledgedesk-policy-versions")
