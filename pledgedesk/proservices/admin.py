"""Professional Services in Django admin (issue 17): one more door onto the same services, with
no rules of its own. An hour bank is bought through ``bank_buy`` (RK-10), an engagement asked
for through ``engagement_request`` and moved through ``engagement_move``, so a required stage is
never skipped here either (FG-12); an exception is recorded through ``exception_record`` with
its reason (RL-11); a feature request's status changes through its service (RL-8). Time
entries, notices, moves, documents and defects are records: read only.

The service calls run in admin's own views, outside the change form's transaction: every
service owns its one durable transaction."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from pledgedesk import clock
from pledgedesk.accounts.models import Agent, Organisation
from pledgedesk.errors import DeskError, NotFound
from pledgedesk.proservices import defects, services
from pledgedesk.proservices import engagements as pipeline
from pledgedesk.proservices.models import (
    Defect,
    Engagement,
    EngagementDocument,
    EngagementMove,
    FeatureRequest,
    HourBank,
    PolicyException,
    ThresholdNotice,
    TimeEntry,
)
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Actor

FORM_TEMPLATE = "admin/proservices/form.html"


def _agent(request) -> Agent | None:
    return getattr(request.user, "agent", None)


def _ticket(number: int | None) -> Ticket | None:
    if not number:
        return None
    found = Ticket.objects.filter(number=number).first()
    if found is None:
        raise NotFound(f"no ticket {number}", field="ticket")
    return found


def _put(form: forms.BaseForm, exc: DeskError) -> None:
    """A service's refusal on the field it names, else on the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class RecordAdmin(admin.ModelAdmin):
    """A record kept by the services: seen, never edited, added or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ServiceFormAdmin(RecordAdmin):
    """Its add page is a plain form whose ``act`` calls the service."""

    add_form: type[forms.Form]
    add_title = ""

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                made = self.act(request, form.cleaned_data)
            except DeskError as exc:
                _put(form, exc)
            else:
                messages.success(request, f"{self.opts.verbose_name.capitalize()} "
                                          f"“{made}” saved.")
                return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                made.pk)
        return _page(self, request, form, self.add_title)


def _page(model_admin, request, form, title, obj=None):
    return TemplateResponse(request, FORM_TEMPLATE, {
        **model_admin.admin_site.each_context(request), "title": title, "form": form,
        "opts": model_admin.opts, "original": obj})


# --- hour banks (RK-10) ----------------------------------------------------------------------


class BankBuyForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"))
    tier = forms.CharField(max_length=50, help_text="A tier of the organisation's policy "
                                                    "(for RK: Silver, Gold or Platinum).")
    starts_on = forms.DateField(help_text="YYYY-MM-DD; the term runs from this day.")


class NoticeInline(RecordInline):
    model = ThresholdNotice
    fields = readonly_fields = ("crossing", "balance_minutes", "contact", "created_at")


class StatementInline(RecordInline):
    model = TimeEntry
    fields = readonly_fields = ("worked_on", "ticket", "agent", "minutes", "over_zero", "note")
    verbose_name_plural = "statement"


@admin.register(HourBank)
class HourBankAdmin(ServiceFormAdmin):
    list_display = ("organisation", "tier", "balance", "starts_on", "ends_on", "crossings",
                    "flagged_at")
    list_select_related = ("organisation",)
    search_fields = ("organisation__name",)
    list_filter = ("tier",)
    inlines = [NoticeInline, StatementInline]
    add_form, add_title = BankBuyForm, "Buy an hour bank"

    @admin.display(description="Balance")
    def balance(self, obj):
        from pledgedesk.proservices.selectors import hours
        return hours(obj.balance_minutes)

    def act(self, request, data):
        return services.bank_buy(organisation=data["organisation"], tier=data["tier"].strip(),
                                 starts_on=data["starts_on"], agent=_agent(request),
                                 now=clock.current())


@admin.register(TimeEntry)
class TimeEntryAdmin(RecordAdmin):
    list_display = ("worked_on", "ticket", "agent", "minutes", "billable", "courtesy", "bank",
                    "over_zero")
    list_filter = ("billable", "courtesy", "over_zero")
    list_select_related = ("ticket", "agent", "bank")
    search_fields = ("=ticket__number", "agent__name", "ticket__organisation__name")


# --- engagements (FG-12) ---------------------------------------------------------------------


class EngagementRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"))
    kind = forms.CharField(max_length=50, help_text="A kind the organisation's policy names "
                                                    "(for FG: install, migration, upgrade, "
                                                    "patch, training, health_check).")
    title = forms.CharField(max_length=pipeline.MAX_TITLE)
    ticket = forms.IntegerField(required=False, min_value=1, help_text="Ticket number")


def _agents():
    return Agent.objects.filter(active=True).order_by("name")


class EngagementMoveForm(forms.Form):
    """The next stages the policy allows, and what moving into one records."""

    stage = forms.ChoiceField()
    version = forms.IntegerField(widget=forms.HiddenInput)
    document = forms.FileField(required=False)
    po_number = forms.CharField(required=False, max_length=pipeline.MAX_PO)
    project_manager = forms.ModelChoiceField(_agents(), required=False)
    engineer = forms.ModelChoiceField(_agents(), required=False, label="Dedicated engineer")
    meeting_at = forms.DateTimeField(required=False, help_text="UTC, YYYY-MM-DD HH:MM")
    scheduled_at = forms.DateTimeField(required=False, help_text="UTC, YYYY-MM-DD HH:MM")

    def __init__(self, *args, engagement: Engagement, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            (s.key, f"{s.label}{' (required)' if s.required else ''}") for s in stages]
        self.fields["version"].initial = engagement.version


class MoveInline(RecordInline):
    model = EngagementMove
    fields = readonly_fields = ("at", "from_stage", "to_stage", "agent", "contact", "facts")


class DocumentInline(RecordInline):
    model = EngagementDocument
    fields = readonly_fields = ("stage", "download", "size", "uploaded_at")

    @admin.display(description="Document")
    def download(self, obj):
        url = reverse("console:ps_document", args=[obj.engagement_id, obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, obj.filename)


@admin.register(Engagement)
class EngagementAdmin(ServiceFormAdmin):
    list_display = ("title", "organisation", "kind", "stage", "stage_changed_at",
                    "project_manager", "engineer")
    list_filter = ("stage", "kind")
    list_select_related = ("organisation", "project_manager", "engineer")
    search_fields = ("title", "organisation__name", "po_number")
    ordering = ("stage_changed_at", "pk")
    readonly_fields = ("move_link",)
    inlines = [DocumentInline, MoveInline]
    add_form, add_title = EngagementRequestForm, "Ask for an engagement"

    @admin.display(description="Move")
    def move_link(self, obj):
        url = reverse("admin:proservices_engagement_move", args=[obj.pk])
        return format_html('<a class="button" href="{}">Move to a later stage</a>', url)

    def get_fields(self, request, obj=None):
        return ["move_link", *[f.name for f in self.opts.concrete_fields if f.name != "id"]]

    def get_urls(self):
        view = self.admin_site.admin_view(self.move_view)
        # One document at most, as ``web.uploads.accepts_files(1)`` declares for a page: the
        # upload middleware refuses a longer declared body before reading it.
        view.upload_limit = (1, None)
        return [path("<int:engagement_id>/move/", view, name="proservices_engagement_move"),
                *super().get_urls()]

    def act(self, request, data):
        ticket = _ticket(data.get("ticket"))
        return pipeline.engagement_request(
            organisation=data["organisation"], kind=data["kind"].strip(), title=data["title"],
            ticket=ticket, actor=Actor(channel="web", agent=_agent(request)),
            now=clock.current())

    def move_view(self, request, engagement_id: int):
        """FG-12 in admin: the move goes through ``engagement_move``, which refuses a skipped
        required stage, a stale version and anything the stage needs but was not given."""
        if not request.user.has_perm("proservices.change_engagement"):
            raise PermissionDenied
        found = get_object_or_404(Engagement.objects.select_related("organisation"),
                                  pk=engagement_id)
        now = clock.current()
        ahead = [v.spec for v in pipeline.stages_of(found, pipeline.spec_of(found, now=now))
                 if v.state == "ahead"]
        form = EngagementMoveForm(request.POST or None, request.FILES or None,
                                  engagement=found, stages=ahead)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                pipeline.engagement_move(
                    engagement=found, to_stage=data["stage"], expected_version=data["version"],
                    actor=Actor(channel="web", agent=_agent(request)), now=now,
                    facts=pipeline.Facts(
                        document=data.get("document"), po_number=data.get("po_number") or "",
                        project_manager=data.get("project_manager"),
                        engineer=data.get("engineer"), meeting_at=data.get("meeting_at"),
                        scheduled_at=data.get("scheduled_at")))
            except DeskError as exc:
                _put(form, exc)
            else:
                messages.success(request, f"“{found}” moved to {found.stage}.")
                return redirect("admin:proservices_engagement_change", found.pk)
        return _page(self, request, form, f"Move “{found}”", obj=found)


# --- defects, feature requests, exceptions (RK-5, RL-8, RL-11) --------------------------------


@admin.register(Defect)
class DefectAdmin(RecordAdmin):
    """Reported on the ticket (console or API), where the whole RK-5 path runs in one change."""

    list_display = ("ticket", "reference", "team", "priority", "reported_by", "reported_at")
    list_filter = ("team", "priority")
    list_select_related = ("ticket", "reported_by")
    search_fields = ("=ticket__number", "reference")


@admin.register(FeatureRequest)
class FeatureRequestAdmin(RecordAdmin):
    list_display = ("ticket", "summary", "team", "status", "updated_at")
    list_filter = ("status", "team")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__number", "summary")

    def get_actions(self, request):
        found = super().get_actions(request)
        for value, label in FeatureRequest.Status.choices:
            found[f"status_{value}"] = (_status_action(value), f"status_{value}",
                                        f"Set status: {label}")
        return found


def _status_action(status: str):
    def act(model_admin, request, queryset):
        now = clock.current()
        for row in queryset.select_related("ticket"):
            try:
                defects.feature_request_set_status(ticket=row.ticket, agent=_agent(request),
                                                   status=status, now=now)
            except DeskError as exc:
                model_admin.message_user(request, f"{row}: {exc.message}", messages.ERROR)
            else:
                model_admin.message_user(request, f"#{row.ticket.number}: {status}")
    return act


class ExceptionForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"))
    ticket = forms.IntegerField(required=False, min_value=1, help_text="Ticket number")
    kind = forms.ChoiceField(choices=PolicyException.Kind.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=services.MAX_TEXT,
                             help_text="RL-11: an exception is made only with its reason.")


@admin.register(PolicyException)
class PolicyExceptionAdmin(ServiceFormAdmin):
    list_display = ("created_at", "organisation", "ticket", "agent", "kind", "reason")
    list_filter = ("kind",)
    list_select_related = ("organisation", "ticket", "agent")
    search_fields = ("organisation__name", "agent__name", "reason")
    add_form, add_title = ExceptionForm, "Record an exception to policy"

    def act(self, request, data):
        ticket = _ticket(data.get("ticket"))
        return services.exception_record(
            organisation=data["organisation"], ticket=ticket, agent=_agent(request),
            kind=data["kind"], reason=data["reason"], now=clock.current())

