from django.contrib import admin

from pledgedesk.console.models import AgentPreference

admin.site.register(AgentPreference)
