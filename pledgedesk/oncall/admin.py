"""Staff views of on-call data. Schedules are edited in the console (its services check who may);
pages, notifications and tokens are read-only here: their history is the record of who was paged,
and a secret or digest is never shown."""

from django.contrib import admin

from pledgedesk.oncall.models import Page, PageNotification, Schedule


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Schedule)
class ScheduleAdmin(ReadOnly):
    list_display = ("name", "policy_key", "zone", "lead", "ack_timeout_minutes", "repeats")


class NotificationInline(admin.TabularInline):
    model = PageNotification
    fields = ("step", "action", "agent", "method", "requested_at", "sent_at", "skipped_at")
    readonly_fields = fields
    can_delete = False
    extra = 0


@admin.register(Page)
class PageAdmin(ReadOnly):
    list_display = ("id", "ticket", "state", "step", "created_at", "acknowledged_by")
    list_filter = ("state",)
    fields = ("ticket", "schedule", "source", "reason", "state", "responders", "step",
              "next_step_at", "created_at", "acknowledged_at", "acknowledged_by",
              "acknowledged_via", "resolved_at", "resolved_by")
    readonly_fields = fields
    inlines = [NotificationInline]
