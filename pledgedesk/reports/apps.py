from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "pledgedesk.reports"
    label = "reports"
