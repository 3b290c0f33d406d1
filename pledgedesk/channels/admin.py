from django.contrib import admin, messages

from pledgedesk import clock
from pledgedesk.channels.models import InboundMessage, MailboxCursor
from pledgedesk.channels.services import inbound_retry


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Quarantined mail is found here (filter by state) and retried after a fix."""

    list_display = ("received_at", "state", "sender", "subject", "ticket", "reason", "mailbox")
    list_filter = ("state",)
    list_select_related = ("ticket",)
    search_fields = ("=message_id", "sender")
    show_full_result_count = False
    exclude = ("raw",)
    actions = ("retry",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "raw"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # raw mail is evidence; nothing is dropped

    @admin.action(description="Process again (quarantined, or held for an unknown sender)")
    def retry(self, request, queryset):
        now = clock.current()
        for row in queryset.filter(state__in=[InboundMessage.State.QUARANTINED,
                                              InboundMessage.State.HELD]):
            outcome = inbound_retry(message_id=row.pk, now=now)
            level = messages.SUCCESS if outcome.outcome != "quarantined" else messages.WARNING
            self.message_user(request, f"{row.message_id}: {outcome.outcome} "
                                       f"{outcome.reason}".strip(), level)


@admin.register(MailboxCursor)
class MailboxCursorAdmin(admin.ModelAdmin):
    list_display = ("mailbox", "last_fetch_at", "locked_until", "holder", "uidvalidity",
                    "last_uid", "last_error")
    readonly_fields = ("mailbox", "last_fetch_at", "uidvalidity", "last_uid", "last_error")
