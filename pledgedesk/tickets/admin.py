from django.contrib import admin

from pledgedesk.tickets.models import SlaTimer, Ticket, TicketEvent, TicketRefusal


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only and written by the services: staff may read it, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "subject", "organisation", "priority", "status", "received_at")
    list_select_related = ("organisation",)
    search_fields = ("=number",)
    show_full_result_count = False  # no COUNT(*) over a million tickets


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "at", "kind", "actor_agent", "actor_contact", "channel")
    list_select_related = ("ticket", "actor_agent", "actor_contact")
    show_full_result_count = False


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "metric", "state", "due_at", "met_at", "breached_by_minutes")
    list_select_related = ("ticket",)
    show_full_result_count = False


@admin.register(TicketRefusal)
class TicketRefusalAdmin(ReadOnlyAdmin):
    list_display = ("at", "organisation", "requester", "channel", "subject", "reason")
