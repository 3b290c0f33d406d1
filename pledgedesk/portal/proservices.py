"""Professional Services in the portal (issue 17): the primary contact's hour banks with their
statements and replenish notices (RK-10), and their engagements with the signed-quote upload
(FG-12). Only the organisation's primary contact or Administrator sees them. Any contact asks
for a feature and follows its status (RL-8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from pledgedesk.errors import DeskError, NotFound
from pledgedesk.portal.views import _page_context, contact_required
from pledgedesk.proservices import defects, selectors
from pledgedesk.proservices import engagements as pipeline
from pledgedesk.tickets.services import Actor
from pledgedesk.web.downloads import attachment_download
from pledgedesk.web.uploads import accepts_files


def _own(request):
    try:
        return selectors.own_organisation(request.principal)
    except NotFound:
        raise Http404("not found") from None


@require_safe
@contact_required
def bank(request):
    org = _own(request)
    return render(request, "portal/ps_bank.html", _page_context(
        request, banks=selectors.banks_of(org, now=request.now), section="ps_bank"))


@require_safe
@contact_required
def engagements(request):
    _own(request)
    rows = selectors.engagements_visible(request.principal).order_by("-created_at", "-pk")
    return render(request, "portal/ps_engagements.html", _page_context(
        request, engagements=rows, section="ps_engagements"))


@require_http_methods(["GET", "POST"])
@contact_required
@accepts_files(1)
def engagement(request, engagement_id: int):
    _own(request)
    try:
        found = selectors.engagement_for(request.principal, engagement_id)
    except NotFound:
        raise Http404("not found") from None
    spec = pipeline.spec_of(found, now=request.now)
    error = None
    if request.method == "POST":
        try:
            pipeline.engagement_move(
                engagement=found, to_stage=request.POST.get("stage", ""),
                actor=Actor(channel="portal", contact=request.contact),
                facts=pipeline.Facts(po_number=request.POST.get("po_number", ""),
                                     document=request.FILES.get("document")),
                expected_version=_int(request.POST.get("version")), now=request.now)
        except DeskError as exc:
            error = exc
        else:
            messages.success(request, "Thank you: your signed quote and purchase order are in.")
            return redirect("portal:ps_engagement", engagement_id=found.pk)
    return render(request, "portal/ps_engagement.html", _page_context(
        request, engagement=found, board=pipeline.stages_of(found, spec), error=error,
        documents=selectors.documents_of(found, now=request.now),
        customer_moves=pipeline.customer_moves(found, spec), section="ps_engagements"),
        status=422 if error else 200)


@require_safe
@contact_required
def document(request, engagement_id: int, document_id: int):
    """The organisation's own engagement documents (FG-12), always as downloads; another
    organisation's are a 404 like a missing one."""
    _own(request)
    try:
        found = selectors.document_for(request.principal, engagement_id, document_id)
    except NotFound:
        raise Http404("not found") from None
    return attachment_download(found)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@contact_required
def features(request):
    """RL-8: the status of the feature requests on the tickets this contact may see, and a
    new one asked for as such (routed to the team the policy names)."""
    error = None
    if request.method == "POST":
        try:
            made = defects.feature_request_submit(
                contact=request.contact, summary=request.POST.get("summary", ""),
                description=request.POST.get("description", ""), door="web",
                now=request.now)
        except DeskError as exc:
            error = exc
        else:
            messages.success(request, f"Thank you: your feature request is ticket "
                                      f"#{made.ticket.number}.")
            return redirect("portal:ps_features")
    return render(request, "portal/ps_features.html", _page_context(
        request, features=selectors.feature_requests_visible(request.principal)[:200],
        takes_features=selectors.takes_feature_requests(request.contact, now=request.now),
        error=error, section="ps_features"), status=422 if error else 200)
