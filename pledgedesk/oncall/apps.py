from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "pledgedesk.oncall"
    label = "oncall"
