"""The customer portal. Views parse, authorise through ``accounts.authorization``, call one
service and render; every instant shown is in the organisation's zone with its offset."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk import clock
from pledgedesk.accounts import services as people
from pledgedesk.accounts.authorization import principal_for, ticket_for
from pledgedesk.accounts.models import ContactEmail
from pledgedesk.csat.selectors import survey_state
from pledgedesk.errors import DeskError, NotFound
from pledgedesk.policy import render as policy_render
from pledgedesk.portal import forms, selectors
from pledgedesk.portal.offer import organisation_policy, organisation_zone, portal_offer
from pledgedesk.tickets.abilities import ticket_abilities
from pledgedesk.tickets.attachments import MAX_FILES, attachment_for
from pledgedesk.tickets.intake import may_open_tickets
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.selectors import QueueFilter, ticket_messages, ticket_queue
from pledgedesk.tickets.services import (
    Actor,
    NewTicket,
    ticket_authorise,
    ticket_create,
    ticket_customer_reply,
    ticket_reopen,
    ticket_request_escalation,
)
from pledgedesk.versions.policies import policy_for, policy_in_force, policy_path
from pledgedesk.web import present, signin
from pledgedesk.web.downloads import attachment_download
from pledgedesk.web.htmx import redirect_to, render_page
from pledgedesk.web.query import PortalTicketsQuery, parse_query
from pledgedesk.web.uploads import accepts_files

PAGE_SIZE = 25


def contact_required(view):
    """Signed-in contacts only; anyone else is sent to the portal's sign-in page. Sets
    ``request.principal``, ``request.contact`` and ``request.now`` (read once)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        principal = principal_for(request.user)
        if principal.contact is None:
            back = quote(request.get_full_path())
            return redirect_to(request, f"{reverse('portal:sign_in')}?next={back}")
        request.principal, request.contact = principal, principal.contact
        request.now = clock.current()
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request) -> Actor:
    return Actor(channel="portal", contact=request.contact)


def _page_context(request, policy=None, **extra) -> dict:
    org = request.contact.organisation
    policy = policy or organisation_policy(org, now=request.now)
    return {"contact": request.contact, "org": org, "policy": policy,
            "zone": organisation_zone(org, policy), "now": request.now,
            "is_primary": org.primary_contact_id == request.contact.pk, **extra}


# --- signing in --------------------------------------------------------------------------


def _contact_user(identifier: str):
    row = (ContactEmail.objects.filter(address__iexact=identifier, contact__user__isnull=False)
           .select_related("contact__user").first())
    return row.contact.user if row is not None else None


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = signin.SignInForm(request.POST or None)
    if request.method == "POST" and signin.sign_in(
            request, form, resolve=_contact_user,
            belongs=lambda user: principal_for(user).contact is not None, now=clock.current()):
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("portal:tickets")
        return HttpResponseRedirect(target)
    return render(request, "portal/sign_in.html",
                  {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))},
                  status=200 if request.method == "GET" or form.is_valid() else 400)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("portal:sign_in")


class PasswordReset(auth_views.PasswordResetView):
    """FG-2 "forgot my password". Each request counts on the account the address belongs to
    and slows the client's address (``signin.reset_allowed``), so the form cannot be used to
    flood a mailbox."""

    form_class = forms.PasswordResetRequestForm
    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        found = next(iter(form.get_users(email)), None)
        if not signin.reset_allowed(self.request, identifier=email, found=found,
                                    now=clock.current()):
            return HttpResponseRedirect(self.get_success_url())  # same answer, no mail
        return super().form_valid(form)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            context["mail_dir"] = settings.EMAIL_FILE_PATH
        return context


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


# --- tickets -----------------------------------------------------------------------------


@require_safe
@contact_required
def tickets(request):
    """My tickets; for Administrators and primary contacts, the organisation's (the
    permission function decides), with status and the next promised time."""
    parsed = parse_query(request.GET, PortalTicketsQuery)  # the API's bounds (web.query)
    if "cursor" in parsed.problems:
        raise Http404("no such page")
    show = parsed.values.show
    if parsed.problems:
        messages.error(request, f"Part of the address was ignored: {parsed.describe()}.")
    try:
        page = ticket_queue(principal=request.principal,
                            filters=QueueFilter(include_closed=show == "all"),
                            cursor=parsed.values.cursor, limit=PAGE_SIZE, now=request.now)
    except DeskError:
        raise Http404("no such page") from None
    prefetch_related_objects(page.tickets, "timers", "policy_version")
    rows = present.rows(page.tickets, request.now, customer=True)
    context = _page_context(request, rows=rows, page=page, show=show, section="tickets",
                            whole_org=request.principal.sees_whole_organisation)
    return render_page(request, "portal/tickets.html", context,
                       partial="portal/_ticket_rows.html", status=400 if parsed.problems else 200)


@require_http_methods(["GET", "POST"])
@accepts_files(MAX_FILES)
@contact_required
def submit(request):
    """Submit a request: the priorities the policy offers this organisation's plan through
    the web channel, each with what it means (FG-2, RL-4, FG-3)."""
    org = request.contact.organisation
    offer = portal_offer(org, now=request.now)
    administrator = _administrator_to_copy(request.contact)
    form = forms.SubmitRequestForm(request.POST or None, request.FILES or None, offer=offer,
                                   administrator=administrator)
    if request.method == "POST" and offer.channel is not None and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_create(new=NewTicket(
                organisation=org, requester=request.contact, channel=offer.channel,
                subject=data["subject"], description=data["description"],
                priority=data["priority"], topic=data["topic"],
                cc=[administrator] if data.get("copy_administrator") else []),
                files=data["attachments"], now=request.now)
        except DeskError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Request #{ticket.number} submitted.")
            return redirect("portal:ticket", number=ticket.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/submit.html",
                  _page_context(request, offer.policy, form=form, offer=offer,
                                section="submit"), status=status)


def _administrator_to_copy(contact):
    """RK-2: the organisation's Administrator, whom someone else submitting may copy in."""
    org = contact.organisation
    if org.administrator_id is None or org.administrator_id == contact.pk:
        return None
    return org.administrator


def _form_error(form, exc: DeskError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _ticket(request, number: int) -> Ticket:
    try:
        return ticket_for(request.principal, number, Ticket.objects.select_related(
            "organisation", "requester", "policy_version"))
    except NotFound:
        raise Http404(f"ticket {number} not found") from None


@require_safe
@contact_required
def ticket(request, number: int):
    found = _ticket(request, number)
    return render(request, "portal/ticket.html", _ticket_context(request, found))


def _ticket_context(request, found: Ticket, **extra) -> dict:
    policy = policy_for(found.policy_version)
    conversation = list(ticket_messages(principal=request.principal, ticket=found)
                        .prefetch_related("attachments"))
    loose = [a for a in found.attachments.filter(message__isnull=True).order_by("created_at")]
    timers = [present.timer_view(t, policy, request.now, customer=True)
              for t in found.timers.order_by("metric")]
    first = next((t for t in timers if t.metric == "first_response"), None)
    return _page_context(
        request, policy, ticket=found, conversation=conversation, loose=loose, timers=timers,
        first_response=first,
        first_response_promise=policy_render.promise(
            policy.target("first_response", found.plan, found.priority), policy),
        priority=policy.priority(found.priority), status=policy.status(found.status),
        # What the buttons offer is what the services accept: one selector for every door.
        abilities=ticket_abilities(principal=request.principal, ticket=found, policy=policy),
        escalation=policy.spec.escalation,
        reply_form=extra.pop("reply_form", None) or forms.ReplyForm(),
        escalation_form=extra.pop("escalation_form", None) or forms.EscalationForm(),
        survey=survey_state(principal=request.principal, ticket=found),  # issue 16
        **extra)


@require_POST
@accepts_files(MAX_FILES)
@contact_required
def reply(request, number: int):
    found = _ticket(request, number)
    form = forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket_customer_reply(ticket=found, actor=_actor(request),
                                  body=form.cleaned_data["body"],
                                  files=form.cleaned_data["attachments"], now=request.now)
        except DeskError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Your reply was added.")
            return redirect("portal:ticket", number=number)
    return render(request, "portal/ticket.html",
                  _ticket_context(request, found, reply_form=form), status=400)


@require_POST
@contact_required
def reopen(request, number: int):
    """RK-7: the customer may reopen a Solved ticket; Closed is final."""
    found = _ticket(request, number)
    try:
        ticket_reopen(ticket=found, actor=_actor(request), now=request.now)
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Ticket #{number} is open again.")
    return redirect("portal:ticket", number=number)


@require_POST
@contact_required
def escalate(request, number: int):
    """PR-6: ask for escalation inside the ticket; a senior technician reviews it."""
    found = _ticket(request, number)
    form = forms.EscalationForm(request.POST)
    if form.is_valid():
        try:
            ticket_request_escalation(ticket=found, actor=_actor(request),
                                      reason=form.cleaned_data["reason"], now=request.now)
        except DeskError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Escalation requested: a senior technician will review "
                                      "your ticket.")
            return redirect("portal:ticket", number=number)
    return render(request, "portal/ticket.html",
                  _ticket_context(request, found, escalation_form=form), status=400)


@require_safe
@contact_required
def download(request, number: int, attachment_id: int):
    """Attachments are always downloads (Content-Disposition: attachment), never rendered in
    the desk's origin; internal notes' files are never reachable from here."""
    found = _ticket(request, number)
    try:
        attachment = attachment_for(ticket_ids=Ticket.objects.filter(pk=found.pk),
                                    attachment_id=attachment_id, sees_internal=False)
    except NotFound:
        raise Http404("attachment not found") from None
    return attachment_download(attachment)


# --- the organisation's people (FG-10) -----------------------------------------------------


def _primary_only(request):
    org = request.contact.organisation
    if org.primary_contact_id != request.contact.pk:
        raise Http404("not found")
    return org


@require_http_methods(["GET", "POST"])
@contact_required
def people_page(request):
    org = _primary_only(request)
    form = forms.AddPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = people.contact_add(organisation=org, by=request.contact,
                                        name=form.cleaned_data["name"],
                                        email=form.cleaned_data["email"], now=request.now)
        except DeskError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{person.name} is now authorised to open tickets. "
                                      "They set a password with \u201cforgot my password\u201d.")
            return redirect("portal:people")
    held = selectors.held_requests(request.principal, org)
    contacts, pending = selectors.organisation_people(org)
    policy = organisation_policy(org, now=request.now)
    # The page says what intake does (one rule: ``tickets.intake.may_open_tickets``): under a
    # policy that lets any contact file, nobody is told "No" and then files without a hold.
    may_open = {c.pk for c in contacts
                if may_open_tickets(policy, c, now=request.now)}
    return render(request, "portal/people.html",
                  _page_context(request, policy=policy, form=form, held=held,
                                contacts=contacts, pending=pending, may_open=may_open,
                                who_may_open=policy.spec.intake.who_may_open,
                                section="people"),
                  status=400 if request.method == "POST" else 200)


@require_POST
@contact_required
def person_authorised(request, contact_id: int):
    org = _primary_only(request)
    authorised = request.POST.get("authorised") == "1"
    try:
        person = people.contact_set_authorised(organisation=org, by=request.contact,
                                               contact_id=contact_id, authorised=authorised)
    except NotFound:
        raise Http404("not found") from None
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{person.name} {'added to' if authorised else 'removed from'}"
                                  " the authorised personnel.")
    return redirect("portal:people")


@require_POST
@contact_required
def decide_access(request, number: int):
    """FG-10: the primary contact confirms (temporary access, the clock starts now) or
    rejects a request from someone not on the list."""
    _primary_only(request)
    found = _ticket(request, number)
    approve = request.POST.get("decision") == "confirm"
    try:
        ticket_authorise(ticket=found, actor=_actor(request), approve=approve, now=request.now)
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Request #{number} {'confirmed' if approve else 'rejected'}.")
    return redirect("portal:people")


# --- the support policy page (PR-9) ------------------------------------------------------


@require_safe
def policy(request, key: str | None = None):
    """The support policy rendered from the file (``policy render``): the signed-in
    contact's own; for visitors, the list of published policies and each one by key."""
    principal = principal_for(request.user)
    now = clock.current()
    if key is None and principal.contact is not None:
        compiled = organisation_policy(principal.contact.organisation, now=now)
    elif key is None:
        keys = sorted(p.stem for p in policy_path("x").parent.glob("*.toml"))
        return render(request, "portal/policy_index.html",
                      {"policies": [(k, _published(k, now).name) for k in keys]})
    else:
        try:
            compiled = _published(key, now)
        except DeskError:
            raise Http404("no such policy") from None
    contact = principal.contact
    return render(request, "portal/policy.html", {
        "blocks": policy_render.document(compiled, settings.PLEDGEDESK_SERVES),
        "policy": compiled, "contact": contact,
        "section": "policy", "is_primary": contact is not None
        and contact.organisation.primary_contact_id == contact.pk})


def _published(key: str, now):
    return policy_in_force(key, now=now)[1]
