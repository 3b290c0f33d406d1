"""The console's webhook pages (administrators): subscriptions, their settings, the secret
(shown once, in the answer to the post that made it: never in a redirect, a message cookie or
a log), the delivery log with each attempt's answer, and replays. The role check is the
service's (``webhooks.services.require_administrator``); these views parse, call and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError, NotFound, PermissionDenied
from pledgedesk.tickets.events import EventKind
from pledgedesk.web.uploads import DeskForm
from pledgedesk.webhooks import selectors, services

EVENT_CHOICES = [(k.value, f"{k.label} ({k.value}){' · internal' if k.internal else ''}")
                 for k in EventKind]


class SubscriptionForm(DeskForm):
    name = forms.CharField(label="Name", max_length=100)
    url = forms.CharField(label="Endpoint URL", max_length=2000,
                          help_text="https:// to a public address; no user name or password.")
    events = forms.MultipleChoiceField(label="Events", choices=EVENT_CHOICES,
                                       widget=forms.CheckboxSelectMultiple)
    include_internal = forms.BooleanField(
        label="Include internal events and facts (internal notes, assignee, group, tags)",
        required=False)
    organisation = forms.ChoiceField(label="Tickets of", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Every organisation")] + [
            (str(pk), name) for pk, name in selectors.organisation_choices()]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["organisation"] = int(data["organisation"]) if data["organisation"] else None
        return data


def _admin(view):
    """Administrators only; a missing subscription or delivery is a 404."""
    def wrapper(request, *args, **kwargs):
        try:
            services.require_administrator(request.agent)
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "console/webhooks.html",
                          _base(request, refused=exc.message, section="webhooks"), status=403)
        except NotFound as exc:
            raise Http404(exc.message) from None

    wrapper.__name__ = view.__name__
    return agent_required(wrapper)


@require_safe
@_admin
def webhooks_page(request):
    return render(request, "console/webhooks.html", _base(
        request, subscriptions=selectors.subscription_list(),
        disabled=selectors.disabled_subscriptions(), section="webhooks"))


@require_http_methods(["GET", "POST"])
@_admin
def webhook_new(request):
    form = SubscriptionForm(request.POST or None, initial={"events": ["created"]})
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.subscription_create(agent=request.agent, now=request.now,
                                                  **form.values())
        except DeskError as exc:
            _form_error(form, exc)
        else:
            return _detail(request, issued.subscription, secret=issued.secret)
    return render(request, "console/webhook_new.html",
                  _base(request, form=form, section="webhooks"),
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@_admin
def webhook_page(request, subscription_id: int):
    sub = selectors.subscription_get(subscription_id)
    form = SubscriptionForm(request.POST or None, initial=_initial(sub))
    if request.method == "POST" and form.is_valid():
        try:
            sub = services.subscription_update(agent=request.agent, subscription_id=sub.pk,
                                               changes=form.values(), now=request.now)
        except DeskError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Subscription saved.")
            return redirect("console:webhook", sub.pk)
    return _detail(request, sub, form=form, status=400 if form.errors else 200)


@require_POST
@_admin
def webhook_rotate(request, subscription_id: int):
    issued = services.subscription_rotate_secret(agent=request.agent,
                                                 subscription_id=subscription_id,
                                                 now=request.now)
    return _detail(request, issued.subscription, secret=issued.secret, rotated=True)


@require_POST
@_admin
def webhook_active(request, subscription_id: int):
    active = request.POST.get("active") == "1"
    services.subscription_update(agent=request.agent, subscription_id=subscription_id,
                                 changes={"active": active}, now=request.now)
    messages.success(request, "Subscription enabled: new events are sent again." if active
                     else "Subscription disabled: nothing is sent to it.")
    return redirect("console:webhook", subscription_id)


@require_safe
@_admin
def delivery_page(request, subscription_id: int, delivery_id: int):
    sub = selectors.subscription_get(subscription_id)
    found = selectors.delivery_get(sub, delivery_id)
    return render(request, "console/webhook_delivery.html", _base(
        request, subscription=sub, delivery=found,
        attempts=selectors.delivery_attempts(found), section="webhooks"))


@require_POST
@_admin
def delivery_replay(request, subscription_id: int, delivery_id: int):
    try:
        services.delivery_replay(agent=request.agent, subscription_id=subscription_id,
                                 delivery_id=delivery_id, now=request.now)
    except DeskError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "Replay queued: the same webhook-id and body, signed now.")
    return redirect("console:webhook_delivery", subscription_id, delivery_id)


def _detail(request, sub, *, form=None, secret=None, status=200, **extra):
    before = request.GET.get("before")
    log = selectors.delivery_log(sub, before=int(before) if (before or "").isdigit() else None)
    response = render(request, "console/webhook.html", _base(
        request, subscription=sub, form=form or SubscriptionForm(initial=_initial(sub)),
        secret=secret, log=log, older=log[-1].pk if len(log) == selectors.LOG_PAGE else None,
        section="webhooks", **extra), status=status)
    response["Cache-Control"] = "no-store"  # the page may hold the secret
    return response


def _initial(sub) -> dict:
    return {"name": sub.name, "url": sub.url, "events": list(sub.events),
            "include_internal": sub.include_internal,
            "organisation": str(sub.organisation_id or "")}


def _form_error(form, exc: DeskError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
