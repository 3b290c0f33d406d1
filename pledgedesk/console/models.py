"""The console's own state: each agent's display preferences."""

from django.db import models

from pledgedesk.accounts.models import Agent


class AgentPreference(models.Model):
    """The zone an agent reads times in. Set by the agent on the console's Preferences page
    (or by an administrator in Django admin); without one, times are shown in UTC. Every
    instant is shown with its offset either way."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="preference")
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"{self.agent}: {self.timezone}"
