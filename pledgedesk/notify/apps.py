from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "pledgedesk.notify"
    label = "notify"
