"""The console's mail page: outbound mail that did not reach its people (a failed delivery,
with a retry button; a bounce, with the report's reason) and the addresses marked as
bouncing. Agents see every ticket, so every mail; what may be retried is the outbox
service's rule (``console:retry_delivery`` calls it)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.channels.outbound_selectors import bouncing_addresses, failed_mail
from pledgedesk.console.views import _base, agent_required

SHOWN = 200


@require_safe
@agent_required
def mail_page(request):
    rows = failed_mail(SHOWN)
    return render(request, "console/mail.html",
                  _base(request, rows=rows, bouncing=bouncing_addresses(SHOWN), shown=SHOWN,
                        section="mail"))
