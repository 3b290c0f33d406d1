from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "pledgedesk.kb"
    label = "kb"

    def ready(self):
        from pledgedesk.kb import links  # noqa: F401 - registers the reply-link planner
