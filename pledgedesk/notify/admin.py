from django.contrib import admin

from pledgedesk.notify.models import Notification, NotifySettings

admin.site.register(NotifySettings)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "agent", "kind", "ticket_number", "created_at", "read_at", "mailed_at")
    list_filter = ("kind",)
