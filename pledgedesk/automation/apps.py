from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "pledgedesk.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        # registers the "escalation" planner and the escalation.step handler. The sweep task
        # (tasks.py, Huey) is registered by the background worker's discovery of every app's
        # tasks module (pledgedesk.worker), not here: a web process never loads Huey (issue 20).
        from pledgedesk.automation import handlers  # noqa: F401
