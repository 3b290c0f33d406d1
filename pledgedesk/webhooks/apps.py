from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "pledgedesk.webhooks"
    label = "webhooks"
