"""Webhook subscriptions and their delivery log in Django admin, read-only: they are managed in
the console and the API, whose services check the URL, the events and the role. The secret is
never shown here."""

from django.contrib import admin

from pledgedesk.webhooks.models import Delivery, DeliveryAttempt, Subscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    list_display = ("name", "url", "active", "owner", "organisation", "consecutive_failures",
                    "disabled_at")
    list_filter = ("active", "include_internal")
    search_fields = ("name", "url")
    exclude = ("secret", "previous_secret")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("at", "replay", "status_code", "error", "duration_ms", "response_body")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("webhook_id", "subscription", "event_type", "ticket_number", "state",
                    "last_status", "created_at")
    list_filter = ("state", "event_type")
    search_fields = ("webhook_id",)
    inlines = [AttemptInline]
