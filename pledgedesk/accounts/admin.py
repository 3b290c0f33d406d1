from django.contrib import admin

from pledgedesk.accounts.models import (
    AccessGrant,
    Agent,
    AgentGroup,
    ApiToken,
    Contact,
    ContactEmail,
    ContactPhone,
    Organisation,
)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "policy_key", "plans", "timezone", "country", "banned_at")
    search_fields = ("name",)
    raw_id_fields = ("primary_contact", "administrator", "account_manager",
                     "dedicated_representative")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "authorised", "banned_at")
    list_select_related = ("organisation",)
    search_fields = ("name", "emails__address")
    raw_id_fields = ("organisation", "user")
    inlines = [ContactEmailInline, ContactPhoneInline]


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ("contact", "state", "requested_at", "expires_at")
    raw_id_fields = ("contact", "decided_by")


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ("key", "name")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "roles", "active")
    filter_horizontal = ("groups",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API's token service; here they can only be seen and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
