from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "pledgedesk.kb"
    label = "kb"
