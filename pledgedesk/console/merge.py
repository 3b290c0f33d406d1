"""Merging a ticket into another from the console (issue 16): the side panel's form names
the target by number; the service moves the conversation and closes this ticket."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from pledgedesk.accounts.authorization import ticket_for
from pledgedesk.console.forms import QUICK
from pledgedesk.console.views import _actor, _ticket, agent_required
from pledgedesk.errors import DeskError, NotFound
from pledgedesk.tickets.merge import ticket_merge
from pledgedesk.tickets.models import Ticket
from pledgedesk.web.uploads import DeskForm


class MergeForm(DeskForm):
    default_renderer = QUICK  # the ticket page's fields, rendered in Python
    target = forms.IntegerField(label="Merge into ticket number", min_value=1,
                                max_value=2**63 - 1)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


@require_POST
@agent_required
def merge(request, number: int):
    found = _ticket(request, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the ticket to merge into by its number.")
        return redirect("console:ticket", number=number)
    data = form.cleaned_data
    try:
        target = ticket_for(request.principal, data["target"], Ticket.objects.all())
        merged_into = ticket_merge(source=found, target=target, actor=_actor(request),
                                   expected_version=data["version"], now=request.now)
    except NotFound:
        messages.error(request, f"Ticket #{data['target']} not found.")
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"#{number} merged into #{merged_into.number}; its "
                                  "messages are here now and its requester was told.")
        return redirect("console:ticket", number=merged_into.number)
    return redirect("console:ticket", number=number)
