"""The console's voicemail pages (FG-4): calls waiting for a person, and their actions.

- ``/console/calls/``: held calls (a caller no contact has: listen, then look the account
  up by the contact's email address or phone number, which opens the ticket) and
  quarantined ones (with their reason, and a retry once the cause is fixed).
- ``/console/calls/<id>/audio/``: the audio a waiting call carried, for the page's player.

Agents only; the views parse, call one service and render.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.accounts.services import contact_by_email, contact_by_phone
from pledgedesk.channels.calls import call_audio, call_identify, call_retry, number_region
from pledgedesk.channels.calls_selectors import call_waiting, calls_waiting
from pledgedesk.channels.models import InboundCall
from pledgedesk.console.views import agent_required
from pledgedesk.errors import DeskError, InvalidInput
from pledgedesk.web.uploads import DeskForm


class CallLookupForm(DeskForm):
    """FG-4: who left the voicemail, by an address or a number of theirs."""

    email = forms.EmailField(label="Contact's email address", required=False, max_length=254)
    number = forms.CharField(label="Or phone number", required=False, max_length=40,
                             help_text="Any common format: (952) 555-0100, +1 952 555 0100.")

    def clean(self):
        data = super().clean()
        if not data.get("email") and not (data.get("number") or "").strip():
            raise forms.ValidationError("Type the contact's email address or phone number.")
        return data


def _lookup_form(call: InboundCall, data=None) -> CallLookupForm:
    return CallLookupForm(data, auto_id=f"call{call.pk}-%s")


def _page(request, forms_given: dict | None = None, status: int = 200):
    forms_given = forms_given or {}
    calls = [(c, forms_given.get(c.pk) or _lookup_form(c)) for c in calls_waiting()]
    context = {"agent": request.agent, "zone": request.zone, "now": request.now,
               "calls": calls, "section": "calls"}
    return render(request, "console/calls.html", context, status=status)


@require_safe
@agent_required
def calls_page(request):
    return _page(request)


@require_POST
@agent_required
def identify(request, call_id: int):
    call = _waiting(call_id)
    form = _lookup_form(call, request.POST)
    if not form.is_valid():
        return _page(request, {call.pk: form}, status=400)
    try:
        contact = _contact(call, form.cleaned_data)
        outcome = call_identify(call_id=call.pk, contact=contact, agent=request.agent,
                                now=request.now)
    except DeskError as exc:
        form.add_error(None, exc.message)
        return _page(request, {call.pk: form}, status=exc.status)
    messages.success(request, f"Voicemail opened as #{outcome.ticket}.")
    return redirect("console:ticket", number=outcome.ticket)


@require_POST
@agent_required
def retry(request, call_id: int):
    call = _waiting(call_id)
    outcome = call_retry(call_id=call.pk, now=request.now)
    text = f"Call {call.pk}: {outcome.outcome}" + (f" ({outcome.reason})" if outcome.reason
                                                   else "")
    (messages.success if outcome.outcome == "created" else messages.warning)(request, text)
    return redirect("console:calls")


@require_safe
@agent_required
def audio(request, call_id: int):
    """Opaque bytes, as every attachment is served (``web.downloads``): the player needs no
    more, and nothing a caller uploaded renders in the desk's origin."""
    found = call_audio(_waiting(call_id))
    if found is None:
        raise Http404("this call carried no audio")
    response = HttpResponse(found.read(), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="call-{call_id}-audio"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _waiting(call_id: int) -> InboundCall:
    call = call_waiting(call_id)
    if call is None:
        raise Http404(f"no call {call_id} is waiting")
    return call


def _contact(call: InboundCall, data: dict):
    if data.get("email"):
        found = contact_by_email(data["email"])
        if found is None:
            raise InvalidInput(f"no contact has the address {data['email']}", field="email")
        return found
    found = contact_by_phone(data["number"], region=number_region(call.called_number))
    if found is None:
        raise InvalidInput(f"no contact has the number {data['number']!r}", field="number")
    return found
