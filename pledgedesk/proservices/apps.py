from django.apps import AppConfig


class ProservicesConfig(AppConfig):
    name = "pledgedesk.proservices"
    label = "proservices"
    verbose_name = "Professional Services"

    def ready(self) -> None:
        from pledgedesk.proservices import mail  # noqa: F401  registers planner and handlers
