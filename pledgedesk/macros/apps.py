from django.apps import AppConfig


class MacrosConfig(AppConfig):
    name = "pledgedesk.macros"
    label = "macros"
