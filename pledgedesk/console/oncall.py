"""The console's on-call pages (FG-8, FG-11): schedules with their roster for now and the next
four weeks (local times and the zone's name), the layer, override and swap editors, pages with
acknowledge and resolve buttons, an agent's own webhook and calendar feed. Views parse, call one
service or selector and render; the rules (who may edit what) are the services'.

Two doors need no session: the acknowledge link sent in a page (GET shows a button, only POST
acknowledges: link scanners open links) and an agent's secret iCalendar feed.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledgedesk import clock
from pledgedesk.accounts.models import Agent
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError, InvalidInput, NotFound
from pledgedesk.oncall import feeds, schedules, selectors, services
from pledgedesk.oncall.models import Layer
from pledgedesk.oncall.rotation import wall_instant
from pledgedesk.web.htmx import render_page

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


def _agents():
    return Agent.objects.filter(active=True).order_by("name")


class ScheduleForm(forms.Form):
    policy_key = forms.CharField(max_length=100, required=False)
    name = forms.CharField(max_length=200)
    zone = forms.CharField(max_length=64, help_text="IANA zone, e.g. Europe/London")
    lead = forms.ModelChoiceField(queryset=Agent.objects.none(), required=False)
    ack_timeout_minutes = forms.IntegerField(min_value=1, max_value=1440, initial=15)
    repeats = forms.IntegerField(min_value=0, max_value=10, initial=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _agents()

    def spec(self) -> schedules.ScheduleSpec:
        d = self.cleaned_data
        return schedules.ScheduleSpec(name=d["name"], zone=d["zone"],
                                      lead_id=d["lead"].pk if d["lead"] else None,
                                      ack_timeout_minutes=d["ack_timeout_minutes"],
                                      repeats=d["repeats"])


class LayerForm(forms.Form):
    name = forms.CharField(max_length=100)
    level = forms.IntegerField(min_value=-1000, max_value=1000)
    every = forms.IntegerField(min_value=1, max_value=52, initial=1)
    unit = forms.ChoiceField(choices=Layer.Unit.choices, initial="weeks")
    handoff_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    handoff_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    members = forms.CharField(help_text="Agent ids in turn order, comma-separated")
    restrict_days = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, required=False,
                                                   widget=forms.CheckboxSelectMultiple)
    restrict_start = forms.TimeField(required=False,
                                     widget=forms.TimeInput(attrs={"type": "time"}))
    restrict_end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean_members(self):
        try:
            return tuple(int(p) for p in self.cleaned_data["members"].split(",") if p.strip())
        except ValueError:
            raise forms.ValidationError("members are agent ids separated by commas") from None

    def spec(self) -> schedules.LayerSpec:
        d = self.cleaned_data
        return schedules.LayerSpec(
            name=d["name"], level=d["level"], every=d["every"], unit=d["unit"],
            handoff_date=d["handoff_date"], handoff_time=d["handoff_time"],
            member_ids=d["members"], restrict_days=tuple(d["restrict_days"]),
            restrict_start=d["restrict_start"], restrict_end=d["restrict_end"])


class PeriodForm(forms.Form):
    """Start and end as wall times in the schedule's zone (not the browser's)."""

    agent = forms.ModelChoiceField(queryset=Agent.objects.none())
    second = forms.ModelChoiceField(queryset=Agent.objects.none(), required=False)
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()
        self.fields["second"].queryset = _agents()

    def instants(self, zone: str) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        return (wall_instant(d["start"].replace(tzinfo=None), zone),
                wall_instant(d["end"].replace(tzinfo=None), zone))


# --- schedules -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@agent_required
def overview(request):
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = schedules.schedule_create(actor=request.agent,
                                             policy_key=form.cleaned_data["policy_key"],
                                             spec=form.spec(), now=request.now)
        except DeskError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("console:oncall_schedule", made.pk)
    return render(request, "console/oncall.html", _base(
        request, section="oncall", schedules=selectors.schedules_all(), form=form,
        may_edit=schedules.may_edit(request.agent),
        pages=selectors.pages_recent(limit=10)), status=400 if form.errors else 200)


def _schedule_context(request, schedule, **extra) -> dict:
    return _base(
        request, section="oncall", schedule=schedule,
        roster=selectors.roster(schedule, now=request.now),
        layers=schedule.layers.all(), overrides=selectors.overrides_open(schedule, now=request.now),
        swaps=selectors.swaps_open(schedule, now=request.now), agents=_agents(),
        may_edit=schedules.may_edit(request.agent), weekdays=WEEKDAYS,
        settings_form=ScheduleForm(initial={
            "name": schedule.name, "zone": schedule.zone, "lead": schedule.lead_id,
            "ack_timeout_minutes": schedule.ack_timeout_minutes, "repeats": schedule.repeats}),
        layer_form=LayerForm(), period_form=PeriodForm(), **extra)


@require_safe
@agent_required
def schedule_page(request, schedule_id: int):
    schedule = _get_schedule(schedule_id)
    return render_page(request, "console/oncall_schedule.html",
                       _schedule_context(request, schedule),
                       partial="console/_oncall_roster.html")


def _get_schedule(schedule_id: int):
    try:
        return selectors.schedule_get(schedule_id)
    except NotFound:
        raise Http404("no such schedule") from None


def _act(request, schedule_id: int, action, form=None, done: str = "Saved."):
    """Run ``action()`` (one service call) and show the schedule page again: with the
    service's refusal in place of the change, or the form's errors."""
    schedule = _get_schedule(schedule_id)
    problem = None
    if form is not None and not form.is_valid():
        problem = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    else:
        try:
            action(schedule)
        except DeskError as exc:
            problem = exc.message
    if problem is None:
        messages.success(request, done)
        return redirect("console:oncall_schedule", schedule_id)
    status = 403 if problem.startswith("only ") else 400
    return render(request, "console/oncall_schedule.html",
                  _schedule_context(request, _get_schedule(schedule_id), problem=problem),
                  status=status)


@require_POST
@agent_required
def schedule_settings(request, schedule_id: int):
    form = ScheduleForm(request.POST)
    return _act(request, schedule_id, lambda s: schedules.schedule_update(
        actor=request.agent, schedule_id=s.pk, spec=form.spec(), now=request.now), form)


@require_POST
@agent_required
def layer_save(request, schedule_id: int, layer_id: int | None = None):
    form = LayerForm(request.POST)
    return _act(request, schedule_id, lambda s: schedules.layer_save(
        actor=request.agent, schedule_id=s.pk, layer_id=layer_id, spec=form.spec(),
        now=request.now), form, done="Layer saved.")


@require_POST
@agent_required
def layer_delete(request, schedule_id: int, layer_id: int):
    return _act(request, schedule_id, lambda s: schedules.layer_delete(
        actor=request.agent, schedule_id=s.pk, layer_id=layer_id, now=request.now),
        done="Layer removed.")


@require_POST
@agent_required
def override_create(request, schedule_id: int):
    form = PeriodForm(request.POST)

    def create(schedule):
        start, end = form.instants(schedule.zone)
        schedules.override_create(actor=request.agent, schedule_id=schedule.pk,
                                  agent_id=form.cleaned_data["agent"].pk, start=start, end=end,
                                  reason=form.cleaned_data["reason"], now=request.now)
    return _act(request, schedule_id, create, form, done="Override added.")


@require_POST
@agent_required
def override_delete(request, schedule_id: int, override_id: int):
    return _act(request, schedule_id, lambda s: schedules.override_delete(
        actor=request.agent, schedule_id=s.pk, override_id=override_id, now=request.now),
        done="Override removed.")


@require_POST
@agent_required
def swap_propose(request, schedule_id: int):
    form = PeriodForm(request.POST)

    def propose(schedule):
        second = form.cleaned_data["second"]
        if second is None:
            raise InvalidInput("choose whom to swap with", field="second")
        start, end = form.instants(schedule.zone)
        schedules.swap_propose(actor=request.agent, schedule_id=schedule.pk,
                               first_id=form.cleaned_data["agent"].pk, second_id=second.pk,
                               start=start, end=end, now=request.now)
    return _act(request, schedule_id, propose, form, done="Swap proposed.")


@require_POST
@agent_required
def swap_decide(request, schedule_id: int, swap_id: int):
    accept = request.POST.get("decision") == "accept"
    return _act(request, schedule_id, lambda s: schedules.swap_decide(
        actor=request.agent, schedule_id=s.pk, swap_id=swap_id, accept=accept,
        now=request.now), done="Swap accepted." if accept else "Swap declined.")


# --- pages -----------------------------------------------------------------------------------


@require_safe
@agent_required
def pages(request):
    state = request.GET.get("state") or None
    return render_page(request, "console/oncall_pages.html", _base(
        request, section="oncall", pages=selectors.pages_recent(state=state), state=state),
        partial="console/_oncall_page_rows.html")


@require_POST
@agent_required
def page_answer(request, page_id: int, action: str):
    service = {"acknowledge": services.page_acknowledge, "resolve": services.page_resolve}
    if action not in service:
        raise Http404("no such action")
    problem = None
    try:
        service[action](page_id=page_id, agent=request.agent, via="console", now=request.now)
    except NotFound:
        raise Http404("no such page") from None
    except DeskError as exc:
        problem = exc.message
    page = selectors.page_get(page_id)
    return render_page(request, "console/oncall_pages.html", _base(
        request, section="oncall", pages=[page], problem=problem, state=None),
        partial="console/_oncall_page_rows.html", status=409 if problem else 200)


# --- an agent's own ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@agent_required
def mine(request):
    shown = {}
    if request.method == "POST":
        try:
            shown = _mine_action(request)
        except DeskError as exc:
            shown = {"problem": exc.message}
    return render(request, "console/oncall_mine.html", _base(
        request, section="oncall", methods=selectors.contact_methods(request.agent),
        feeds=selectors.feed_tokens(request.agent), **shown),
        status=400 if "problem" in shown else 200)


def _mine_action(request) -> dict:
    action, agent, now = request.POST.get("action"), request.agent, request.now
    if action == "add_webhook":
        method, secret = schedules.contact_method_add(
            agent=agent, url=request.POST.get("url", ""),
            routing_key=request.POST.get("routing_key", ""), now=now)
        return {"secret": secret, "new_method": method}
    if action == "remove_webhook":
        schedules.contact_method_remove(agent=agent, method_id=_int(request, "method"), now=now)
        return {}
    if action == "new_feed":
        token = schedules.feed_token_issue(agent=agent, now=now)
        return {"feed_url": request.build_absolute_uri(
            reverse("console:oncall_feed", args=[token]))}
    if action == "revoke_feed":
        schedules.feed_token_revoke(agent=agent, token_id=_int(request, "feed"), now=now)
        return {}
    return {"problem": "unknown action"}


def _int(request, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise InvalidInput(f"{name} must be a number", field=name) from None


# --- doors without a session ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def acknowledge_link(request, token: str):
    """GET shows the page and a button; only the POST acknowledges."""
    now = clock.current()
    problem = done = None
    if request.method == "POST":
        try:
            done = services.page_acknowledge_by_link(token=token, now=now)
        except DeskError as exc:
            problem = exc.message
    found = selectors.ack_link(token)
    if found is None:
        problem = problem or "This acknowledge link is not valid."
    elif request.method == "GET":
        problem = _link_state(found, now)
    status = 200 if problem is None else (404 if found is None else 409)
    response = render(request, "console/oncall_ack.html", {
        "notification": found, "page": found.page if found else None, "problem": problem,
        "done": done, "now": now}, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response["Cache-Control"] = "no-store"
    return response


def _link_state(found, now) -> str | None:
    if found.ack_used_at is not None:
        return "This acknowledge link was already used."
    if found.ack_expires_at <= now:
        return "This acknowledge link has expired."
    if not found.page.is_open:
        return f"This page is already {found.page.state}."
    return None


@require_safe
def feed(request, token: str):
    try:
        agent = selectors.feed_agent(token)
    except NotFound:
        raise Http404("no such feed") from None
    response = HttpResponse(feeds.agent_calendar(agent, now=clock.current()),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
