"""The agent console. Views parse, authorise through ``accounts.authorization``, call one
service and render; instants are shown in the agent's zone (Preferences) with the offset."""

from __future__ import annotations

from dataclasses import replace
from functools import wraps
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk import clock
from pledgedesk.accounts import services as accounts
from pledgedesk.accounts.authorization import principal_for, ticket_for
from pledgedesk.accounts.models import Agent
from pledgedesk.channels.calls_selectors import calls_on_ticket
from pledgedesk.channels.outbound_selectors import ticket_mail
from pledgedesk.console import forms, selectors, ticket_reads
from pledgedesk.console.history import (
    describe,
    download_url,
    history_item_html,
    message_item_html,
    ticket_urls,
)
from pledgedesk.console.models import AgentPreference
from pledgedesk.console.rows import filter_menus_html, queue_rows_html
from pledgedesk.errors import DeskError, InvalidInput, NotFound
from pledgedesk.tickets import selectors as ticket_selectors
from pledgedesk.tickets import services as ticket_services
from pledgedesk.tickets.abilities import ticket_abilities
from pledgedesk.tickets.attachments import MAX_FILES, attachment_for
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.selectors import (
    QueueFilter,
    queue_cursor,
    ticket_queue,
)
from pledgedesk.tickets.services import (
    Actor,
    Change,
    ticket_set_exclusion,
    ticket_update,
)
from pledgedesk.versions.policies import policy_for
from pledgedesk.web import present, signin
from pledgedesk.web.downloads import attachment_download
from pledgedesk.web.htmx import is_partial, redirect_to, render_page
from pledgedesk.web.query import (
    ConsoleQueueQuery,
    EarlierQuery,
    parse_query,
)
from pledgedesk.web.uploads import accepts_files
from pledgedesk.workspace import selectors as workspace_selectors
from pledgedesk.workspace import services as workspace
from pledgedesk.workspace.services import Properties, PropertyConflict

PAGE_SIZE = 50
_AGENT = Agent._meta.get_field("user").remote_field  # user.agent, the reverse one-to-one
_AGENT_USER = Agent._meta.get_field("user")
_PREFERENCE = AgentPreference._meta.get_field("agent").remote_field  # agent.preference
BREACHING_SOON_MINUTES = 60
QUEUE_REFRESH_SECONDS = 15


def agent_required(view):
    """Signed-in active agents only. Sets ``request.principal``, ``request.agent``,
    ``request.zone`` and ``request.now`` (the clock is read once per request)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        principal = principal_for(_with_agent(request.user))
        if not principal.is_agent:
            back = quote(request.get_full_path())
            return redirect_to(request, f"{reverse('console:sign_in')}?next={back}")
        request.principal, request.agent = principal, principal.agent
        pref = getattr(principal.agent, "preference", None)
        request.zone = pref.timezone if pref else "UTC"
        request.now = clock.current()
        return view(request, *args, **kwargs)

    return wrapper


def _with_agent(user):
    """``user`` with its agent (and the agent's preferences) read in one query, so that
    ``principal_for`` decides from them without reading the user again (issue 20: every
    console request read the user twice and the preferences apart). Someone who is not an
    agent is left to ``principal_for`` to read as it always does."""
    if user.is_authenticated and not _AGENT.is_cached(user):
        agent = Agent.objects.select_related("preference").filter(user_id=user.pk).first()
        if agent is not None:
            _AGENT.set_cached_value(user, agent)
            _AGENT_USER.set_cached_value(agent, user)
            if not _PREFERENCE.is_cached(agent):
                _PREFERENCE.set_cached_value(agent, None)
    return user


def _actor(request) -> Actor:
    return Actor(channel="web", agent=request.agent)


def _base(request, **extra) -> dict:
    return {"agent": request.agent, "zone": request.zone, "now": request.now, **extra}


# --- signing in --------------------------------------------------------------------------


def _agent_user(identifier: str):
    """Agents sign in with their username or their email address, in any case: each names
    one account, so each spelling counts against the same sign-in limit."""
    users = get_user_model().objects.filter(agent__active=True)
    return (users.filter(username=identifier).first()
            or users.filter(username__iexact=identifier).order_by("pk").first()
            or users.filter(email__iexact=identifier).order_by("pk").first())


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = signin.SignInForm(request.POST or None)
    form.fields["identifier"].label = "Username or email"
    if request.method == "POST" and signin.sign_in(
            request, form, resolve=_agent_user,
            belongs=lambda user: principal_for(user).is_agent, now=clock.current(),
            failure="That username, email or password is not right."):
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("console:queue")
        return HttpResponseRedirect(target)
    return render(request, "console/sign_in.html",
                  {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))},
                  status=200 if request.method == "GET" else 400)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("console:sign_in")


# --- the queue ---------------------------------------------------------------------------

VIEWS = [("all", "All open"), ("mine", "Mine"), ("groups", "My groups"),
         ("unassigned", "Unassigned")]


def _queue_filter(request, q: ConsoleQueueQuery) -> tuple[QueueFilter, dict]:
    """The queue's filters, from the query parsed with the API's bounds (``web.query``)."""
    groups = None
    if q.view == "groups":
        groups = tuple(request.agent.groups.values_list("key", flat=True))
    chosen = {"view": q.view, "status": q.status or "", "priority": q.priority or "",
              "organisation": str(q.organisation or ""), "breaching": "1" if q.breaching else "",
              "escalated": "1" if q.escalated else ""}
    return QueueFilter(
        status=q.status, priority=q.priority, groups=groups, organisation=q.organisation,
        assignee={"mine": "me", "unassigned": "unassigned"}.get(q.view),
        breaching_within=BREACHING_SOON_MINUTES if q.breaching else None,
        escalated=True if q.escalated else None,  # PR-6: escalation requested
    ), chosen


@require_safe
@agent_required
def queue(request):
    """Priority rank, then time received (RK-8, FG-6), keyset pages, an SLA countdown per
    ticket; htmx polls the rows (the same view, as a fragment) so the page stays live."""
    parsed = parse_query(request.GET, ConsoleQueueQuery)
    if "cursor" in parsed.problems:
        raise Http404("no such page")
    filters, chosen = _queue_filter(request, parsed.values)
    cursor = parsed.values.cursor
    if parsed.problems:  # shown, and the page answers 400: never a 500 from the database
        messages.error(request, f"Some filters were ignored: {parsed.describe()}.")
    try:
        page = ticket_selectors.ticket_queue_rows(
            principal=request.principal, filters=filters, cursor=cursor, limit=PAGE_SIZE,
            now=request.now)
    except DeskError:
        raise Http404("no such page") from None
    rows_html = queue_rows_html(present.rows(page.rows, request.now, timers=page.timers),
                                request.zone)
    query = {k: v for k, v in chosen.items() if v and not (k == "view" and v == "all")}
    context = _base(request, rows_html=rows_html, page=page, chosen=chosen,
                    query=urlencode(query), cursor=cursor or "",
                    refresh=QUEUE_REFRESH_SECONDS, breaching_minutes=BREACHING_SOON_MINUTES,
                    section="queue")
    if not is_partial(request):
        context["menus"] = filter_menus_html(VIEWS, selectors.filter_choices(), chosen)
    return render_page(request, "console/queue.html", context,
                       partial="console/_queue_rows.html", status=400 if parsed.problems else 200)


@require_safe
@agent_required
def next_ticket(request, number: int):
    """The ticket after ``number`` in queue order (keyboard "n")."""
    current = _ticket(request, number)
    page = ticket_queue(principal=request.principal, filters=QueueFilter(),
                        cursor=queue_cursor(current), limit=1, now=request.now)
    if not page.tickets:
        messages.info(request, "That was the last ticket in the queue.")
        return redirect("console:queue")
    return redirect("console:ticket", number=page.tickets[0].number)


# --- one ticket --------------------------------------------------------------------------


def _ticket(request, number: int) -> Ticket:
    try:
        return ticket_for(request.principal, number, Ticket.objects.select_related(
            "organisation", "requester", "assignee", "group", "policy_version"))
    except NotFound:
        raise Http404(f"ticket {number} not found") from None


@require_safe
@agent_required
def ticket(request, number: int):
    found = _ticket(request, number)
    return render(request, "console/ticket.html", _ticket_context(request, found))


@require_safe
@agent_required
def timers_panel(request, number: int):
    """The SLA timers alone, polled by the ticket page so countdowns stay current."""
    found = _ticket(request, number)
    policy = policy_for(found.policy_version)
    return render(request, "console/_timers.html",
                  _base(request, ticket=found, timers=_timers(found, policy, request.now)))


def _timers(found: Ticket, policy, now):
    return [present.timer_view(t, policy, now) for t in found.timers.order_by("metric")]


def _ticket_context(request, found: Ticket, **forms_given) -> dict:
    policy = policy_for(found.policy_version)
    agents, groups = ticket_reads.assignable()
    names = dict(agents)
    conversation, loose, newest = _conversation(request, found)
    history = _history(request, found, policy, names)
    org = found.organisation
    # The CC and look-up choices list the organisation's people (up to CONTACT_CHOICES):
    # its primary contact and Administrator are read from there when listed, else apart.
    listed = selectors.organisation_contacts(org)
    org_people = {}
    if org is not None:
        wanted = [i for i in (org.primary_contact_id, org.administrator_id) if i]
        org_people = {c.pk: c for c in listed if c.pk in wanted}
        if any(i not in org_people for i in wanted):
            org_people = {c.pk: c for c in org.contacts.filter(pk__in=wanted)}
    initial = {"status": found.status, "priority": found.priority,
               "assignee": str(found.assignee_id or ""),
               "group": found.group.key if found.group else "", "version": found.version}
    initial.update({f"was_{f}": initial[f] for f in forms.PROPERTY_FIELDS})
    draft = workspace_selectors.draft_for(agent=request.agent, ticket=found)
    compose = forms_given.get("compose") or forms.ComposeForm(
        initial={"version": found.version, "kind": draft.kind if draft else "reply",
                 "body": draft.body if draft else "",
                 # the newest message (agents see every one; the page shows the newest
                 # first): what a send reports
                 "seen": newest},
        policy=policy, draft_url=_draft_url(found))
    update = forms_given.get("update") or forms.UpdateForm(
        initial=initial, policy=policy, agents=agents, groups=groups, form_id="compose")
    return _base(
        request, ticket=found, policy=policy, conversation=conversation,
        loose=loose, urls=ticket_urls(found.number),
        timers=_timers(found, policy, request.now), history=history,
        priority=policy.priority(found.priority), status=policy.status(found.status),
        compose=compose, update=update, closed=found.status_category == "closed", draft=draft,
        # The forms shown are the actions the services accept (one selector, every door).
        abilities=ticket_abilities(principal=request.principal, ticket=found, policy=policy),
        exclusions=[(key, spec, key in found.exclusions)
                    for key, spec in policy.spec.exclusions.items()],
        plans=[(p, policy.spec.plans[p].label if p in policy.spec.plans else p)
               for p in (org.plans if org else [])],
        ticket_plan=policy.spec.plans[found.plan].label if found.plan in policy.spec.plans
        else found.plan,
        primary=org_people.get(org.primary_contact_id) if org else None,
        administrator=org_people.get(org.administrator_id) if org else None,
        **dict(zip(("requester_emails", "requester_phones"),
                   ticket_reads.requester_reach(found.requester_id), strict=True)),
        **_account_panels(request, found, policy, forms_given, listed),
        **_calls_and_mail(found),
        section="queue")


def _calls_and_mail(found: Ticket) -> dict:
    """The voicemails and the mail of the ticket, read only when it has any."""
    has_calls, has_mail = ticket_reads.calls_or_mail(found.pk)
    return {"calls": calls_on_ticket(found) if has_calls else [],
            "mail": ticket_mail(found) if has_mail else []}


def _conversation(request, found: Ticket, before: int | None = None):
    """A page of the conversation, newest first (``ticket_reads.conversation_page``), each
    message as its ``<li>`` with its files; the ticket's files outside any message; and the
    id of the newest message shown (0 for none)."""
    page, loose = ticket_reads.conversation_page(principal=request.principal,
                                                 ticket_id=found.pk, before=before)
    newest = max((m.pk for m in page.items), default=0)
    download = download_url(found.number)
    return replace(page, items=[message_item_html(m, found.caller_number, request.zone,
                                                  download) for m in page.items]), loose, newest


def _history(request, found: Ticket, policy, names: dict, before: int | None = None):
    """A page of the history, newest first, each event as its ``<li>`` with its sentence."""
    page = ticket_reads.history_page(principal=request.principal, ticket=found, before=before)
    return replace(page, items=[history_item_html(e, describe(e, policy, names), request.zone)
                                for e in page.items])


def _earlier(request, number: int, template: str, page_of):
    """An "Earlier" fragment of the ticket page: the page before ``?before=<id>``."""
    parsed = parse_query(request.GET, EarlierQuery)
    if parsed.problems or parsed.values.before is None:
        return HttpResponseBadRequest(parsed.describe() or "before: an id is required",
                                      content_type="text/plain; charset=utf-8")
    found = _ticket(request, number)
    try:
        page = page_of(found, parsed.values.before)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, template, _base(request, ticket=found, page=page,
                                           urls=ticket_urls(found.number)))


@require_safe
@agent_required
def conversation_earlier(request, number: int):
    return _earlier(request, number, "console/_messages.html",
                    lambda found, before: _conversation(request, found, before)[0])


@require_safe
@agent_required
def history_earlier(request, number: int):
    def page_of(found, before):
        names = dict(ticket_reads.assignable()[0])
        return _history(request, found, policy_for(found.policy_version), names, before)

    return _earlier(request, number, "console/_history.html", page_of)


def _redirect_back(number: int):
    return redirect("console:ticket", number=number)


@require_POST
@accepts_files(MAX_FILES)
@agent_required
def compose(request, number: int):
    """A public reply (optionally asking the customer), an internal note or a logged call,
    each with its attachments and with the property changes made beside it, in one submit.
    A message is never refused because the ticket changed meanwhile: the agent is told what
    others wrote since the page was loaded. Changed properties keep their conflict check."""
    found = _ticket(request, number)
    policy = policy_for(found.policy_version)
    agents, groups = selectors.assignable()
    form = forms.ComposeForm(request.POST, request.FILES, policy=policy,
                             draft_url=_draft_url(found))
    update_form = forms.UpdateForm(request.POST, policy=policy, agents=agents, groups=groups,
                                   form_id="compose")
    if form.is_valid():
        data = form.cleaned_data
        wanted, loaded = _properties(request.POST, found, update_form)
        try:
            sent = workspace.workspace_send(
                ticket=found, actor=_actor(request), kind=data["kind"], body=data["body"],
                files=data["attachments"], wanted=wanted, loaded=loaded,
                loaded_version=data["version"], ask_customer=data["ask_customer"],
                seen=data["seen"] or 0, now=request.now)
        except PropertyConflict as exc:
            return _conflict_page(request, found, exc)
        except DeskError as exc:
            form.add_error(None, exc.message)
        else:
            label = dict(forms.COMPOSE_KINDS)[data["kind"]]
            messages.success(request, f"{label} added to #{number}.")
            for line in _meanwhile(sent.meanwhile, request.zone):
                messages.info(request, line)
            return _redirect_back(number)
    kept = {"update": update_form} if "status" in request.POST else {}
    return render(request, "console/ticket.html",
                  _ticket_context(request, found, compose=form, **kept), status=400)


@require_POST
@agent_required
def update(request, number: int):
    """Status, priority (FG-5), assignee and group in one change, refused only if someone else
    changed one of those same properties since the page was loaded (``workspace``). A reply
    typed beside them is kept as the agent's draft, never emptied."""
    found = _ticket(request, number)
    policy = policy_for(found.policy_version)
    agents, groups = selectors.assignable()
    form = forms.UpdateForm(request.POST, policy=policy, agents=agents, groups=groups,
                            form_id="compose")
    if "body" in request.POST:
        workspace.draft_save(agent=request.agent, ticket=found,
                             kind=_kind(request.POST.get("kind")),
                             body=request.POST.get("body", "")[:100_000], now=request.now)
    if form.is_valid():
        wanted, loaded = _properties(request.POST, found, form)
        try:
            workspace.workspace_update(ticket=found, actor=_actor(request), wanted=wanted,
                                       loaded=loaded, loaded_version=form.cleaned_data[
                                           "version"], now=request.now)
        except PropertyConflict as exc:
            return _conflict_page(request, found, exc)
        except DeskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"#{number} updated.")
            return _redirect_back(number)
    return render(request, "console/ticket.html",
                  _ticket_context(request, found, update=form), status=400)


@require_POST
@agent_required
def save_draft(request, number: int):
    """The reply box as the agent types it (htmx, debounced): kept per agent and ticket on the
    server, so a reload or another device finds it; answers with a line saying so."""
    found = _ticket(request, number)
    try:
        draft = workspace.draft_save(agent=request.agent, ticket=found,
                                     kind=_kind(request.POST.get("kind")),
                                     body=request.POST.get("body", "")[:100_000],
                                     now=request.now)
    except DeskError as exc:
        return render(request, "console/_draft_state.html", {"error": exc.message},
                      status=exc.status)
    return render(request, "console/_draft_state.html",
                  _base(request, draft=draft, ticket=found))


def _kind(value: str | None) -> str:
    return value if value in dict(forms.COMPOSE_KINDS) else "reply"


def _properties(post, found: Ticket, form) -> tuple[Properties | None, Properties | None]:
    """What the agent wants the properties to be (a field not sent stays as it is now) and
    what the page showed (None from a client that sent only the version it loaded)."""
    if not any(f in post for f in forms.PROPERTY_FIELDS):
        return None, None
    now_is = Properties.of(found)

    def value(name, current):
        return post.get(name, current) if name in post else current

    def agent_id(raw):
        return int(raw) if raw not in (None, "") and str(raw).isdigit() else None

    wanted = Properties(status=value("status", now_is.status),
                        priority=value("priority", now_is.priority),
                        assignee=agent_id(value("assignee", now_is.assignee)),
                        group=value("group", now_is.group) or None)
    loaded = None
    if form.loaded_given():
        loaded = Properties(status=post.get("was_status", ""),
                            priority=post.get("was_priority", ""),
                            assignee=agent_id(post.get("was_assignee")),
                            group=post.get("was_group") or None)
    return wanted, loaded


def _meanwhile(found: list, zone: str) -> list[str]:
    """A notice per message others added while the agent was writing, with what it says."""
    lines = []
    for m in found:
        who = (m.author_agent.name if m.author_agent_id else
               m.author_contact.name if m.author_contact_id else "The caller")
        verb = "noted internally" if m.visibility == "internal" else "wrote"
        text = " ".join(strip_tags(m.body).split())
        text = text if len(text) <= 300 else text[:299] + "\u2026"
        lines.append(f"Meanwhile, {who} {verb} ({present.instant(m.created_at, zone)}): "
                     f"\u201c{text}\u201d")
    return lines


def _conflict_page(request, found: Ticket, exc: PropertyConflict):
    """Someone changed a property this agent changed: the page again (409) with the agent's
    reply and choices kept, what changed listed, and the form set to the current values so
    submitting again re-applies the agent's choices on the current version."""
    fresh = _ticket(request, found.number)
    policy = policy_for(fresh.policy_version)
    agents, groups = selectors.assignable()
    data = request.POST.copy()
    data.update({"version": str(fresh.version), "was_status": fresh.status,
                 "was_priority": fresh.priority, "was_assignee": str(fresh.assignee_id or ""),
                 "was_group": fresh.group.key if fresh.group else "",
                 "seen": str(workspace_selectors.last_message_id(ticket=fresh))})
    # The reply as typed (bound, so it is kept); with none, an empty box shows no "required".
    compose_form = forms.ComposeForm(
        data if data.get("body", "").strip() else None, policy=policy,
        initial={"version": fresh.version, "seen": data["seen"], "kind": "reply"},
        draft_url=_draft_url(fresh))
    update_form = forms.UpdateForm(data, policy=policy, agents=agents, groups=groups,
                                   form_id="compose")
    names = {str(a.pk): a.name for a in agents}
    clashes = [(field.capitalize(), _shown(policy, field, old, names),
                _shown(policy, field, new, names), _shown(policy, field, data.get(field), names))
               for field, old, new in exc.clashes]
    context = _ticket_context(request, fresh, compose=compose_form, update=update_form)
    context.update(conflict=clashes, conflict_action=request.path)
    return render(request, "console/ticket.html", context, status=409)


def _shown(policy, field: str, value, names: dict) -> str:
    if value in (None, ""):
        return {"assignee": "Unassigned", "group": "No group"}.get(field, "\u2014")
    if field == "status" and value in policy.statuses:
        return policy.statuses[value].label
    if field == "priority":
        return next((p.label for p in policy.priorities if p.key == value), str(value))
    if field == "assignee":
        return names.get(str(value), str(value))
    return str(value)


def _draft_url(found: Ticket) -> str:
    return reverse("console:draft", args=[found.number])


@require_POST
@agent_required
def assign_me(request, number: int):
    found = _ticket(request, number)
    try:
        ticket_update(ticket=found, actor=_actor(request),
                      change=Change(assignee=request.agent), expected_version=None,
                      now=request.now)
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"#{number} is assigned to you.")
    return _redirect_back(number)


@require_POST
@agent_required
def exclusion(request, number: int):
    """Set or clear an exclusion reason (RK-4): the delay is not held against the target."""
    found = _ticket(request, number)
    try:
        ticket_set_exclusion(ticket=found, actor=_actor(request),
                             reason=request.POST.get("reason", ""),
                             active=request.POST.get("active") == "1",
                             expected_version=None, now=request.now)
    except DeskError as exc:
        messages.error(request, exc.message)
    return _redirect_back(number)


# --- account panels: identity, look-up, CCs, topic, escalation, bans (issue 12) -------------


def _account_panels(request, found: Ticket, policy, given: dict, listed: list) -> dict:
    """The ticket page's account panels: RL-6 identity, FG-4 look-up, RK-2 CCs, the topic
    (RK-9, RL-9, PR-8), who an escalation reaches (PR-5, PR-6) and RL-7 bans. ``listed`` is
    ``selectors.organisation_contacts`` of the ticket's organisation."""
    version = {"version": found.version}
    copied = list(found.cc.all())
    contacts = selectors.with_contacts(listed, copied)
    return {
        "identity_form": given.get("identity") or forms.IdentityForm(initial=version),
        "identity_asked": policy.spec.intake.verify_identity_for,
        "identity_event": selectors.identity_verification(found),
        "topic_form": given.get("topic") or forms.TopicForm(
            policy=policy, current=found.topic, initial={"topic": found.topic, **version}),
        "cc_people": copied,
        "cc_form": given.get("cc") or forms.CcForm(
            contacts=contacts, initial={"cc": [str(c.pk) for c in copied], **version}),
        "escalation": ticket_selectors.ticket_escalation_contacts(ticket=found, policy=policy),
        **_lookup_panel(found, contacts, given, version),
        **_ban_panel(request, given),
    }


def _lookup_panel(found: Ticket, contacts, given: dict, version: dict) -> dict:
    """FG-4: shown while the ticket knows only a caller's number, suggesting the contact of
    the organisation who has that number now, if any."""
    if found.requester_id is not None and found.hold != Ticket.Hold.NEEDS_ACCOUNT_LOOKUP:
        return {}
    match = _caller_by_number(found, found.caller_number) if found.caller_number else None
    form = given.get("lookup") or forms.LookupForm(
        contacts=selectors.with_contacts(contacts, [match]),
        initial={"contact": str(match.pk) if match else "", "number": found.caller_number,
                 **version})
    return {"lookup_form": form, "lookup_match": match}


def _caller_by_number(found: Ticket, number: str):
    org = found.organisation
    match = accounts.contact_by_phone(number, region=org.country if org else "")
    return match if match is not None and match.organisation_id == found.organisation_id \
        else None


def _ban_panel(request, given: dict) -> dict:
    if not accounts.may_ban(request.agent):
        return {"may_ban": False}
    return {"may_ban": True,
            "ban_requester_form": given.get("ban_requester") or forms.BanForm(
                target="requester"),
            "ban_organisation_form": given.get("ban_organisation") or forms.BanForm(
                target="organisation")}


def _panel_action(request, found: Ticket, form, act, *, panel: str, done: str):
    """One panel's POST: a valid form calls one service and goes back to the ticket; else the
    page again with the problem on the form, with the service's status (403 for a role the
    action needs, 409 for a stale version or a closed ticket, 422 for bad input)."""
    status = 400
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DeskError as exc:
            _panel_error(request, form, exc)
            status = exc.status
        else:
            messages.success(request, done)
            return _redirect_back(found.number)
    return render(request, "console/ticket.html",
                  _ticket_context(request, found, **{panel: form}), status=status)


def _panel_error(request, form, exc: DeskError) -> None:
    """A service's refusal on the field it names, where the form shows that field; else at
    the top of the page (a stale version, a role the action needs), which shows even when the
    panel itself is not offered to this agent."""
    field = form.fields.get(exc.field) if exc.field else None
    if field is not None and not field.widget.is_hidden:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)


@require_POST
@agent_required
def verify_identity(request, number: int):
    """RL-6: record how the requester's identity was verified, before billing or revenue
    information is released; shown on the ticket with who did it and when."""
    found = _ticket(request, number)

    def act(data):
        ticket_services.ticket_verify_identity(
            ticket=found, actor=_actor(request), method=data["method"],
            expected_version=data["version"], now=request.now)

    return _panel_action(request, found, forms.IdentityForm(request.POST), act,
                         panel="identity", done=f"Identity verified on #{number}.")


@require_POST
@agent_required
def identify_requester(request, number: int):
    """FG-4: the account look-up for a ticket that knows only a caller's number: the agent
    picks the contact, or types a number to find them by. The SLA clocks keep running from
    the voicemail's arrival: the policy's help line says the look-up delays the response,
    not that the promise waits for it."""
    found = _ticket(request, number)
    contacts = selectors.organisation_contacts(found.organisation)
    form = forms.LookupForm(request.POST, contacts=contacts)

    def act(data):
        by_pk = {str(c.pk): c for c in contacts}
        requester = by_pk.get(data["contact"]) or _caller_by_number(found, data["number"])
        if requester is None:
            raise InvalidInput(f"no contact of this organisation has the number "
                               f"{data['number']!r}", field="number")
        ticket_services.ticket_identify_requester(
            ticket=found, actor=_actor(request), requester=requester,
            expected_version=data["version"], now=request.now)

    return _panel_action(request, found, form, act, panel="lookup",
                         done=f"Requester of #{number} identified.")


@require_POST
@agent_required
def set_cc(request, number: int):
    """RK-2: who is copied on the ticket; copying the Administrator in clears the flag."""
    found = _ticket(request, number)
    contacts = selectors.with_contacts(selectors.organisation_contacts(found.organisation),
                                       found.cc.all())
    form = forms.CcForm(request.POST, contacts=contacts)

    def act(data):
        by_pk = {str(c.pk): c for c in contacts}
        ticket_services.ticket_set_cc(
            ticket=found, actor=_actor(request), cc=[by_pk[pk] for pk in data["cc"]],
            expected_version=data["version"], now=request.now)

    return _panel_action(request, found, form, act, panel="cc",
                         done=f"Copied contacts of #{number} saved.")


@require_POST
@agent_required
def set_topic(request, number: int):
    """RK-9, RL-9, PR-8: the topic from the policy's lists; the service flags an out-of-scope
    topic and routes it as the policy says."""
    found = _ticket(request, number)
    policy = policy_for(found.policy_version)
    form = forms.TopicForm(request.POST, policy=policy, current=found.topic)

    def act(data):
        ticket_services.ticket_update(
            ticket=found, actor=_actor(request),
            change=ticket_services.Change(topic=data["topic"]),
            expected_version=data["version"], now=request.now)

    return _panel_action(request, found, form, act, panel="topic",
                         done=f"Topic of #{number} saved.")


@require_POST
@agent_required
def ban(request, number: int):
    """RL-7: ban the ticket's requester or organisation with a reason, or lift the ban. Who
    may is the service's check (the support lead): anyone else gets 403."""
    found = _ticket(request, number)
    target = request.POST.get("target")
    target = target if target in ("requester", "organisation") else "requester"
    form = forms.BanForm(request.POST, target=target)

    def act(data):
        by, lift = request.agent, data["lift"]
        if target == "organisation" and found.organisation is not None:
            org = found.organisation
            if lift:
                return accounts.organisation_unban(organisation=org, by=by)
            return accounts.organisation_ban(organisation=org, by=by, reason=data["reason"],
                                             now=request.now)
        if found.requester is None:
            raise InvalidInput(f"ticket #{number} has no {target} to ban", field="target")
        if lift:
            return accounts.contact_unban(contact=found.requester, by=by)
        return accounts.contact_ban(contact=found.requester, by=by, reason=data["reason"],
                                    now=request.now)

    lifting = form.fields["lift"].to_python(request.POST.get("lift"))
    done = f"Ban on the {target} lifted." if lifting else f"The {target} is banned."
    return _panel_action(request, found, form, act, panel=f"ban_{target}", done=done)


@require_safe
@agent_required
def download(request, number: int, attachment_id: int):
    found = _ticket(request, number)
    try:
        attachment = attachment_for(ticket_ids=Ticket.objects.filter(pk=found.pk),
                                    attachment_id=attachment_id, sees_internal=True)
    except NotFound:
        raise Http404("attachment not found") from None
    return attachment_download(attachment)


@require_http_methods(["GET", "POST"])
@agent_required
def preferences(request):
    form = forms.PreferenceForm(request.POST or None, initial={"timezone": request.zone})
    if request.method == "POST" and form.is_valid():
        AgentPreference.objects.update_or_create(
            agent=request.agent, defaults={"timezone": form.cleaned_data["timezone"]})
        messages.success(request, f"Times are now shown in {form.cleaned_data['timezone']}.")
        return redirect("console:queue")
    return render(request, "console/preferences.html",
                  _base(request, form=form, section="preferences"),
                  status=400 if request.method == "POST" else 200)
