from django.apps import AppConfig


class CsatConfig(AppConfig):
    name = "pledgedesk.csat"
    label = "csat"
