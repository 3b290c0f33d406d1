from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "pledgedesk.automation"
    label = "automation"
