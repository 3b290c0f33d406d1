"""The console's notifications: the agent's own list (refreshed live with htmx), marking them
read, and choosing what arrives by mail, in the list, or as a digest."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError
from pledgedesk.notify.models import Kind
from pledgedesk.notify.selectors import notifications_for, unread_count
from pledgedesk.notify.services import (
    DIGEST_CHOICES,
    notifications_read,
    settings_for,
    settings_update,
)
from pledgedesk.web.uploads import DeskForm

SHOWN = 100
REFRESH_SECONDS = 30


class NotifySettingsForm(DeskForm):
    email_kinds = forms.MultipleChoiceField(
        label="Mail me about", choices=Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    console_kinds = forms.MultipleChoiceField(
        label="Show in my list (none ticked: everything)", choices=Kind.choices,
        required=False, widget=forms.CheckboxSelectMultiple)
    digest = forms.BooleanField(label="Collect mail into a digest (pages are always sent at "
                                "once)", required=False)
    digest_minutes = forms.TypedChoiceField(
        label="Digest every", coerce=int,
        choices=[(m, f"{m // 60} h" if m >= 60 else f"{m} min") for m in DIGEST_CHOICES])


@require_safe
@agent_required
def notifications_page(request):
    rows = list(notifications_for(request.agent)[:SHOWN])
    context = _base(request, notes=rows, unread=sum(1 for n in rows if n.read_at is None),
                    refresh=REFRESH_SECONDS, section="notifications")
    if request.headers.get("HX-Request"):
        return render(request, "console/_notification_rows.html", context)
    return render(request, "console/notifications.html", context)


@require_safe
@agent_required
def notifications_badge(request):
    return render(request, "console/_notification_badge.html",
                  _base(request, unread=unread_count(request.agent), refresh=REFRESH_SECONDS))


@require_POST
@agent_required
def notifications_mark_read(request):
    ids = request.POST.getlist("id")
    try:
        wanted = [int(i) for i in ids] if ids else None
        notifications_read(agent=request.agent, now=request.now, ids=wanted)
    except (ValueError, DeskError):
        messages.error(request, "That notification is not yours or does not exist.")
    return redirect("console:notifications")


@require_http_methods(["GET", "POST"])
@agent_required
def notify_settings(request):
    current = settings_for(request.agent)
    form = NotifySettingsForm(request.POST or None, initial={
        "email_kinds": current.email_kinds, "console_kinds": current.console_kinds,
        "digest": current.digest, "digest_minutes": current.digest_minutes})
    if request.method == "POST" and form.is_valid():
        try:
            settings_update(agent=request.agent, **form.cleaned_data)
        except DeskError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your notification choices are saved.")
            return redirect("console:notifications")
    return render(request, "console/notify_settings.html",
                  _base(request, form=form, section="notifications"),
                  status=400 if request.method == "POST" else 200)
