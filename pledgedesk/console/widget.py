"""The console's widget settings (PR-1; docs/widget.md): an administrator switches an
organisation's embeddable widget on, sets the origins that may embed it and rotates its
secret. The secret appears once, in the answer to the post that made it (never in a redirect,
a message cookie or a log). The role check is the service's (``channels.widget``)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk.accounts.models import Organisation
from pledgedesk.channels import widget as widgets
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError, PermissionDenied
from pledgedesk.web.uploads import DeskForm

GRACES = [("24", "Keep the old secret working for 24 hours"),
          ("0", "Stop the old secret now (it leaked)")]


class OriginsForm(DeskForm):
    origins = forms.CharField(
        label="Origins allowed to embed the widget", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One per line, scheme://host[:port], e.g. https://app.example.com. No paths "
                  "or wildcards; http only for localhost.")

    def lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["origins"].splitlines()
                if line.strip()]


class RotateForm(DeskForm):
    grace = forms.ChoiceField(label="The old secret", choices=GRACES, initial="24",
                              widget=forms.RadioSelect)


@require_safe
@agent_required
def widgets_page(request):
    try:
        orgs = widgets.widget_organisations(agent=request.agent)
    except PermissionDenied as exc:
        return _refused(request, exc)
    return render(request, "console/widgets.html",
                  _base(request, orgs=orgs, section="widgets"))


@require_http_methods(["GET", "POST"])
@agent_required
def widget_page(request, org_id: int):
    """GET: the settings; POST: switch the widget on (showing its secret once) or save the
    origins."""
    org = _organisation(org_id)
    try:
        widget = widgets.widget_of(agent=request.agent, organisation=org)
    except PermissionDenied as exc:
        return _refused(request, exc)
    initial = {"origins": "\n".join(widget.origins)} if widget else None
    form = OriginsForm(request.POST or None, initial=initial)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            if widget is None:
                issued = widgets.widget_create(agent=request.agent, organisation=org,
                                               origins=form.lines(), now=request.now)
                widget, secret = issued.widget, issued.secret
            else:
                widget = widgets.widget_set_origins(agent=request.agent, organisation=org,
                                                    origins=form.lines(), now=request.now)
        except DeskError as exc:
            _origin_error(form, exc)
    status = 400 if form.errors else 200
    return _settings(request, org, widget, form=form, secret=secret, status=status,
                     saved=request.method == "POST" and not form.errors)


@require_POST
@agent_required
def rotate(request, org_id: int):
    org = _organisation(org_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        raise Http404("no such choice")
    try:
        issued = widgets.widget_rotate_secret(
            agent=request.agent, organisation=org, now=request.now,
            grace=timedelta(hours=int(form.cleaned_data["grace"])))
    except PermissionDenied as exc:
        return _refused(request, exc)
    except DeskError:
        raise Http404("this organisation has no widget") from None
    return _settings(request, org, issued.widget, form=OriginsForm(initial={
        "origins": "\n".join(issued.widget.origins)}), secret=issued.secret, rotated=True)


def _settings(request, org, widget, *, form, secret=None, status=200, **extra):
    embed = None
    if widget is not None:
        embed = {"script": request.build_absolute_uri(static("widget/widget.js")),
                 "frame": request.build_absolute_uri(
                     reverse("portal:widget", args=[widget.public_id]))}
    response = render(request, "console/widget.html", _base(
        request, org=org, widget=widget, form=form, rotate_form=RotateForm(), secret=secret,
        embed=embed, section="widgets", **extra), status=status)
    response["Cache-Control"] = "no-store"  # the page may hold the secret
    return response


def _origin_error(form, exc: DeskError) -> None:
    """``origins.N`` from the service is line N+1 of the text box (blank lines skipped)."""
    field = exc.field or ""
    if field.startswith("origins."):
        form.add_error("origins", f"Origin {int(field.split('.')[1]) + 1}: {exc.message}")
    else:
        form.add_error("origins" if field == "origins" else None, exc.message)


def _organisation(org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404("no such organisation")
    return org


def _refused(request, exc: PermissionDenied):
    return render(request, "console/widgets.html",
                  _base(request, refused=exc.message, section="widgets"), status=403)
