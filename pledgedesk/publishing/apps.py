from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "pledgedesk.publishing"
    label = "publishing"
    verbose_name = "Support policy publishing"

    def ready(self) -> None:
        from pledgedesk.publishing import mail  # noqa: F401  registers the outbox handler
