from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "pledgedesk.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        # registers the "oncall" planner and the page.open/page.email/page.webhook handlers
        from pledgedesk.oncall import delivery  # noqa: F401
