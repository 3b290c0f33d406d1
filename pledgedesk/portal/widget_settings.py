"""The portal's widget settings (PR-1, issue 14): an organisation's primary contact sets where
their product may embed the support widget, without asking the support team. The same
service as the console and the API (``channels.widget.widget_set_origins``), which decides
who may; switching the widget on and its secret stay with the desk's administrators (the
secret belongs on the product's server, handed over once)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from pledgedesk.channels import widget as widgets
from pledgedesk.errors import DeskError, PermissionDenied
from pledgedesk.portal.views import _page_context, contact_required
from pledgedesk.web.uploads import DeskForm


class OriginsForm(DeskForm):
    origins = forms.CharField(
        label="Where your product runs", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One origin per line, e.g. https://app.example.com: scheme and host (and "
                  "port), no path. Only these pages may show the support form; leave it "
                  "empty to let none.")


@require_http_methods(["GET", "POST"])
@contact_required
def widget_settings(request):
    org = request.contact.organisation
    try:
        widget = widgets.widget_of(contact=request.contact, organisation=org)
    except PermissionDenied:
        raise Http404("not found") from None  # as every primary-contact page
    form = OriginsForm(request.POST or None,
                       initial={"origins": "\n".join(widget.origins)} if widget else None)
    if request.method == "POST" and widget is not None and form.is_valid():
        lines = [line.strip() for line in form.cleaned_data["origins"].splitlines()
                 if line.strip()]
        try:
            widgets.widget_set_origins(contact=request.contact, organisation=org,
                                       origins=lines, now=request.now)
        except DeskError as exc:
            form.add_error("origins", exc.message)
        else:
            messages.success(request, "Saved: only these origins may show the support form.")
            return redirect("portal:widget_settings")
    embed = None if widget is None else {
        "script": request.build_absolute_uri(static("widget/widget.js")),
        "frame": request.build_absolute_uri(reverse("portal:widget", args=[widget.public_id]))}
    return render(request, "portal/widget_settings.html", _page_context(
        request, widget=widget, form=form, embed=embed, section="widget_settings"),
        status=400 if form.errors else 200)
