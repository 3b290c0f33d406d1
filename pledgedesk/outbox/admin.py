from django.contrib import admin

from pledgedesk.outbox.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "topic", "key", "state", "attempts", "next_attempt_at", "ticket_id")
    list_filter = ("state", "topic")
    search_fields = ("key",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
