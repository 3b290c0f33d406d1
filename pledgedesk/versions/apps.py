from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VersionsConfig(AppConfig):
    name = "pledgedesk.versions"
    label = "versions"
    verbose_name = "Support policy versions"

    def ready(self) -> None:
        from pledgedesk.versions.policies import forget_current_versions

        # A flush (tests) or migration can remove recorded policy versions.
        post_migrate.connect(forget_current_versions, dispatch_uid="pledgedesk-policy-versions")
