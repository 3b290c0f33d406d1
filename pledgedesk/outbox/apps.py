from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "pledgedesk.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from pledgedesk.outbox import fanout  # noqa: F401  registers the ticket.event handler
