from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "pledgedesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registers the "webhooks" planner and the "webhook" / "webhook.disabled" handlers.
        from pledgedesk.webhooks import handlers, planner  # noqa: F401
