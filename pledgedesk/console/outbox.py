"""The console's outbox page: what is waiting to be delivered, what failed and why, and a
retry button for each failure. Agents see every ticket, so they see every delivery; the rules
(what may be retried) are the outbox service's."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import Conflict, NotFound
from pledgedesk.outbox.selectors import backlog, failed_deliveries
from pledgedesk.outbox.services import retry

SHOWN = 100


@require_safe
@agent_required
def outbox_page(request):
    failed = list(failed_deliveries()[:SHOWN])
    return render(request, "console/outbox.html",
                  _base(request, backlog=backlog(), failed=failed, shown=SHOWN,
                        section="outbox"))


@require_POST
@agent_required
def retry_delivery(request, delivery_id: int):
    try:
        row = retry(delivery_id=delivery_id, now=request.now)
    except NotFound:
        raise Http404("no such delivery") from None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{row.topic} delivery {row.pk} will be tried again now.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("console:outbox")
