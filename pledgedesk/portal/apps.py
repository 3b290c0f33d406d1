from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "pledgedesk.portal"
    label = "portal"
    verbose_name = "Customer portal"
