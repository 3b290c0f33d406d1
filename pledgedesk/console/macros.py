"""Macros in the console (issue 16): the page where agents keep them, and the reply box's
picker. Picking a macro asks the server to fill it in for the ticket (htmx, no inline script):
the answer swaps the reply box and the ticket's status, priority and group selects (and the
tags field) out of band, so Send takes the macro's changes along with its text."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk.accounts.models import AgentGroup
from pledgedesk.console import forms as console_forms
from pledgedesk.console import selectors as console_selectors
from pledgedesk.console.views import _base, _ticket, agent_required
from pledgedesk.errors import DeskError, NotFound
from pledgedesk.macros import placeholders, selectors, services
from pledgedesk.macros.models import MAX_BODY, MAX_NAME, Macro
from pledgedesk.versions.policies import policy_for
from pledgedesk.web.uploads import DeskForm


class MacroForm(DeskForm):
    name = forms.CharField(label="Name", max_length=MAX_NAME)
    body = forms.CharField(label="Reply text", widget=forms.Textarea, max_length=MAX_BODY)
    shared = forms.BooleanField(label="Shared with every agent", required=False)
    status = forms.CharField(label="Set status to (a status key; empty: leave)", max_length=50,
                             required=False)
    priority = forms.CharField(label="Set priority to (a priority key; empty: leave)",
                               max_length=50, required=False)
    group = forms.ChoiceField(label="Set group to", required=False)
    tags = forms.CharField(label="Add tags (comma-separated)", max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Leave as is")] + [
            (g.key, g.name) for g in AgentGroup.objects.order_by("name")]

    def spec(self) -> services.MacroSpec:
        data = self.cleaned_data
        return services.MacroSpec(
            name=data["name"], body=data["body"], shared=data["shared"], status=data["status"],
            priority=data["priority"], group=data["group"],
            tags=[t for t in data["tags"].split(",") if t.strip()])


def _initial(macro: Macro) -> dict:
    return {"name": macro.name, "body": macro.body, "shared": macro.shared,
            "status": macro.status, "priority": macro.priority,
            "group": macro.group.key if macro.group else "", "tags": ", ".join(macro.tags)}


def _page(request, form, macro=None, status=200):
    return render(request, "console/macros.html", _base(
        request, form=form, macro=macro, section="macros",
        macros=list(selectors.macros_visible(agent=request.agent)),
        placeholders=placeholders.PLACEHOLDERS.items()), status=status)


def _save(request, form, act, macro=None):
    if form.is_valid():
        try:
            saved = act(form.spec())
        except DeskError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Macro “{saved.name}” saved.")
            return redirect("console:macros")
    return _page(request, form, macro, status=400)


@require_http_methods(["GET", "POST"])
@agent_required
def macros_page(request):
    """Every macro the agent may use, and a form for a new one."""
    if request.method == "GET":
        return _page(request, MacroForm())
    return _save(request, MacroForm(request.POST), lambda spec: services.macro_create(
        agent=request.agent, spec=spec, now=request.now))


@require_http_methods(["GET", "POST"])
@agent_required
def macro_edit(request, macro_id: int):
    macro = _visible(request, macro_id)
    if request.method == "GET":
        return _page(request, MacroForm(initial=_initial(macro)), macro)
    return _save(request, MacroForm(request.POST), lambda spec: services.macro_update(
        agent=request.agent, macro_id=macro_id, spec=spec, now=request.now), macro)


@require_POST
@agent_required
def macro_delete(request, macro_id: int):
    try:
        services.macro_delete(agent=request.agent, macro_id=macro_id)
    except NotFound:
        raise Http404("macro not found") from None
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Macro deleted.")
    return redirect("console:macros")


def _visible(request, macro_id: int) -> Macro:
    try:
        return selectors.macro_for(agent=request.agent, macro_id=macro_id)
    except NotFound:
        raise Http404("macro not found") from None


@require_safe
@agent_required
def macro_picker(request, number: int):
    """The picker beside the reply box, loaded by the ticket page."""
    found = _ticket(request, number)
    return render(request, "console/_macro_picker.html", _base(
        request, ticket=found, macros=list(selectors.macros_visible(agent=request.agent))))


@require_POST
@agent_required
def macro_fill(request, number: int):
    """The chosen macro filled in for this ticket, as out-of-band swaps of the reply box and
    the property selects. Text already typed is kept, the macro's text added below it."""
    found = _ticket(request, number)
    try:
        macro_id = int(request.POST.get("macro", ""))
    except ValueError:
        raise Http404("macro not found") from None
    macro = _visible(request, macro_id)
    filled = selectors.macro_filled(macro=macro, ticket=found, agent=request.agent,
                                    now=request.now)
    typed = request.POST.get("body", "")[:100_000].rstrip()
    body = f"{typed}\n\n{filled.body}" if typed else filled.body
    policy = policy_for(found.policy_version)
    compose = console_forms.ComposeForm(
        initial={"body": body}, policy=policy,
        draft_url=reverse("console:draft", args=[found.number]))
    agents, groups = console_selectors.assignable()
    update = console_forms.UpdateForm(initial={
        "status": filled.status or found.status, "priority": filled.priority or found.priority,
        "assignee": str(found.assignee_id or ""),
        "group": filled.group or (found.group.key if found.group else "")},
        policy=policy, agents=agents, groups=groups, form_id="compose")
    for field in (compose.fields["body"], *(update.fields[f] for f in
                                             ("status", "priority", "group"))):
        field.widget.attrs["hx-swap-oob"] = "true"
    return render(request, "console/_macro_fill.html", _base(
        request, ticket=found, compose=compose, update=update, name=macro.name,
        tags=", ".join(filled.tags)))

