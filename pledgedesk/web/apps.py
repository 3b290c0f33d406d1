from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pledgedesk.web"
    label = "web"
    verbose_name = "Pledgedesk web"
