"""The portal's "Promises kept" page: an organisation's primary contact sees their own
tickets' SLA compliance over the last 90 days, in their policy's words (issue 19). Only the
primary contact of the signed-in contact's own organisation; anyone else gets a 404."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.portal.offer import organisation_policy
from pledgedesk.portal.views import _page_context, _primary_only, contact_required
from pledgedesk.reports.customer import DAYS, promises_kept


@require_safe
@contact_required
def compliance_page(request):
    org = _primary_only(request)
    policy = organisation_policy(org, now=request.now)
    rows = promises_kept(organisation_id=org.pk, plans=list(org.plans), policy=policy,
                         now=request.now)
    return render(request, "portal/report_compliance.html", _page_context(
        request, policy=policy, section="compliance", rows=rows, days=DAYS))
