"""The console's inbound mail review (issue 14): mail that waits for a person.

- ``/console/mail/in/``: quarantined messages (reason, sender, subject, received) with
  "reprocess" once the cause is fixed; held messages: an unknown sender's (release as a
  contact of an organisation, or refuse) and FG-10 holds, which wait for the primary contact.
- ``/console/mail/in/<id>/raw/``: the message as it arrived, to see what broke intake.

Agents only; refusing is the support lead's and administrators' (``channels.review``). The
views parse, call one service and redirect with what became of the message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.accounts.models import Organisation
from pledgedesk.channels.review import (
    mail_refuse,
    mail_release,
    mail_reprocess,
    may_refuse_mail,
)
from pledgedesk.channels.review_selectors import SHOWN, mail_actions, mail_raw, mail_waiting
from pledgedesk.channels.services import Outcome
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError
from pledgedesk.web.uploads import DeskForm

ORGANISATION_CHOICES = 500


class ReleaseForm(DeskForm):
    organisation = forms.TypedChoiceField(label="Organisation", coerce=int, required=False,
                                          empty_value=None)
    name = forms.CharField(label="Contact's name", required=False, max_length=200,
                           help_text="Left empty: their address.")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Choose…"), *choices]


class RefuseForm(DeskForm):
    reason = forms.CharField(label="Why", max_length=2000, widget=forms.TextInput)


def _organisations() -> list[tuple[int, str]]:
    return list(Organisation.objects.order_by("name", "pk")
                .values_list("pk", "name")[:ORGANISATION_CHOICES])


@require_safe
@agent_required
def review_page(request):
    return _page(request)


def _page(request, status: int = 200):
    choices = _organisations()
    held = [(row, mail_actions(row), ReleaseForm(auto_id=f"m{row.pk}-%s", choices=choices))
            for row in mail_waiting(kind="held")]
    quarantined = [(row, mail_actions(row)) for row in mail_waiting(kind="quarantined")]
    return render(request, "console/mail_review.html", _base(
        request, held=held, quarantined=quarantined, shown=SHOWN, section="mail_review",
        may_refuse=may_refuse_mail(request.agent)), status=status)


@require_POST
@agent_required
def reprocess(request, message_id: int):
    return _act(request, message_id, lambda: mail_reprocess(message_id=message_id,
                                                            now=request.now))


@require_POST
@agent_required
def release(request, message_id: int):
    form = ReleaseForm(request.POST, choices=_organisations())
    if not form.is_valid():
        return _refused(request, message_id, "; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    org_id = form.cleaned_data["organisation"]
    organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
    return _act(request, message_id, lambda: mail_release(
        message_id=message_id, organisation=organisation, name=form.cleaned_data["name"],
        now=request.now))


@require_POST
@agent_required
def refuse(request, message_id: int):
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _refused(request, message_id, "say why the message is refused")
    return _act(request, message_id, lambda: mail_refuse(
        message_id=message_id, agent=request.agent, reason=form.cleaned_data["reason"],
        now=request.now))


@require_safe
@agent_required
def raw(request, message_id: int):
    """Opaque bytes, never rendered in the desk's origin (as attachments are served)."""
    found = mail_raw(message_id)
    if found is None:
        raise Http404(f"no inbound message {message_id}")
    response = HttpResponse(found, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="inbound-{message_id}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _act(request, message_id: int, action):
    try:
        outcome: Outcome = action()
    except DeskError as exc:
        return _refused(request, message_id, exc.message, exc.status)
    text = f"Message {message_id}: {outcome.outcome}"
    text += f" as #{outcome.ticket}" if outcome.ticket else ""
    text += f" ({outcome.reason})" if outcome.reason else ""
    good = outcome.outcome in ("created", "appended", "refused")
    (messages.success if good else messages.warning)(request, text)
    return redirect("console:mail_review")


def _refused(request, message_id: int, text: str, status: int = 400):
    messages.error(request, f"Message {message_id}: {text}")
    return _page(request, status=status)  # the page with the error, in the answer's status
