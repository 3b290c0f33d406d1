from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "pledgedesk.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        # registers the "escalation" planner, the escalation.step handler and the sweep task
        from pledgedesk.automation import handlers, tasks  # noqa: F401
