"""An agent's half-written work on a ticket, kept on the server so a reload, a crash or
another device never loses it."""

from django.db import models

from pledgedesk.accounts.models import Agent
from pledgedesk.tickets.models import Ticket


class Draft(models.Model):
    """The reply box of one agent on one ticket, as last typed. Saved by htmx while the agent
    types (``workspace.services.draft_save``), deleted when the message is sent."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="drafts")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=10, default="reply")
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "ticket"],
                                               name="workspace_draft_one_per_agent_ticket")]

    def __str__(self) -> str:
        return f"draft of {self.agent} on #{self.ticket.number}"
