from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    name = "pledgedesk.web"
    label = "web"
    verbose_name = "Pledgedesk web"


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django admin, on a site whose login goes through the sign-in limits every other door
    uses (``web.admin_site``). Named in INSTALLED_APPS instead of ``django.contrib.admin``."""

    default = False  # not this package's own app: that is WebConfig
    default_site = "pledgedesk.web.admin_site.DeskAdminSite"
