from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "pledgedesk.outbox"
    label = "outbox"
