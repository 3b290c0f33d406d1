from django.contrib import admin

from pledgedesk.versions.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Recorded by ``policy_version_current`` when a policy file is read, or published (PR-9:
    ``pledgedesk.publishing`` adds the publish form): tickets point at these rows, so staff
    may read them, never add, change or delete one."""

    list_display = ("key", "version", "effective_at", "published_at", "published_by",
                    "loaded_at")
    list_filter = ("key",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
