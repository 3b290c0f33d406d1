from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "pledgedesk.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        # Registers the "mail-out" planner and the "mail" outbox handler.
        from pledgedesk.channels import outbound  # noqa: F401
