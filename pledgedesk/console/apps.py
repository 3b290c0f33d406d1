from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "pledgedesk.console"
    label = "console"
    verbose_name = "Agent console"
