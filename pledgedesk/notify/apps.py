from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "pledgedesk.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from pledgedesk.notify import delivery  # noqa: F401  registers planner and handlers
