from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "pledgedesk.queues"
    label = "queues"
