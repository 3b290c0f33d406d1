"""The ticket page's workspace panel (issue 16), loaded by htmx beside the other panels:
tags (edited here), the requester's other tickets, the organisation's plan (and hour banks
where Professional Services keeps them), merging, and the survey answer once there is one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.accounts.authorization import visible_tickets
from pledgedesk.console.forms import QUICK
from pledgedesk.console.merge import MergeForm
from pledgedesk.console.views import _actor, _base, _ticket, agent_required
from pledgedesk.csat.selectors import response_for
from pledgedesk.errors import DeskError
from pledgedesk.macros.services import KEY
from pledgedesk.proservices.selectors import banks_of
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Change, ticket_update
from pledgedesk.versions.policies import policy_for
from pledgedesk.web.uploads import DeskForm

OTHER_TICKETS = 5
# Attachments offered as previews by their declared type; the preview route checks the bytes.
PREVIEW_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


class TagsForm(DeskForm):
    default_renderer = QUICK  # the ticket page's fields, rendered in Python
    tags = forms.CharField(label="Tags (comma-separated)", max_length=1000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    def clean_tags(self) -> list[str]:
        tags = sorted({t.strip().lower() for t in self.cleaned_data["tags"].split(",")
                       if t.strip()})
        bad = [t for t in tags if not KEY.match(t)]
        if bad:
            raise forms.ValidationError(f"{bad[0]!r}: a tag is a-z, 0-9, - or _, up to 50")
        return tags


@require_safe
@agent_required
def panel(request, number: int):
    found = _ticket(request, number)
    policy = policy_for(found.policy_version)
    others = []
    if found.requester_id:
        others = list(visible_tickets(request.principal, Ticket.objects.filter(
            requester_id=found.requester_id).exclude(pk=found.pk))
            .order_by("-received_at")[:OTHER_TICKETS])
    org = found.organisation
    plans = [policy.spec.plans[p].label if p in policy.spec.plans else p
             for p in (org.plans if org else [])]
    banks = [b for b in banks_of(org, now=request.now, statement=False) if b.active] \
        if org else []
    return render(request, "console/_side_panel.html", _base(
        request, ticket=found, others=others, plans=plans, banks=banks,
        closed=found.status_category == "closed",
        tags_form=TagsForm(initial={"tags": ", ".join(found.tags), "version": found.version}),
        merge_form=MergeForm(initial={"version": found.version}),
        merged_from=list(found.merged_from.order_by("number").values_list("number", flat=True)),
        survey=response_for(ticket=found),
        previews=list(found.attachments.filter(
            content_type__in=PREVIEW_TYPES).order_by("created_at", "pk"))))


@require_POST
@agent_required
def set_tags(request, number: int):
    found = _ticket(request, number)
    form = TagsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("console:ticket", number=number)
    try:
        ticket_update(ticket=found, actor=_actor(request),
                      change=Change(tags=form.cleaned_data["tags"]),
                      expected_version=form.cleaned_data["version"], now=request.now)
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Tags of #{number} saved.")
    return redirect("console:ticket", number=number)
