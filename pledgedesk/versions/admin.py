from django.contrib import admin

from pledgedesk.versions.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Recorded by ``policy_version_current`` when a policy file is read: tickets point at
    these rows, so staff may read them, never add, change or delete one."""

    list_display = ("key", "version", "digest", "loaded_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
