from django.apps import AppConfig


class ProservicesConfig(AppConfig):
    name = "pledgedesk.proservices"
    label = "proservices"
