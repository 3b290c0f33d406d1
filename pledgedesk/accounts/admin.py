"""Staff data in Django admin. Organisations and contacts are created through
``organisation_create`` / ``contact_create`` (phone numbers in E.164, however typed), bans go
through ``contact_ban`` / ``organisation_ban`` with their role check (RL-7), and a phone number
added later is normalised by the same ``phone_normalise``: admin is one more door, with no
rules of its own."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from pledgedesk import clock
from pledgedesk.accounts import services
from pledgedesk.accounts.models import (
    AccessGrant,
    Agent,
    AgentGroup,
    ApiToken,
    Contact,
    ContactEmail,
    ContactPhone,
    Organisation,
)
from pledgedesk.errors import DeskError


def _put(form: forms.BaseForm, exc: DeskError, names: dict[str, str] | None = None) -> None:
    """A service's error on the form field it names (``names`` maps service fields to form
    fields), else on the form."""
    field = (names or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines()
            if line.strip()]


def _became(obj, created) -> None:
    """Make admin's unsaved ``obj`` the row the service created, so admin's own steps after
    save_model (its log entry, the redirect to the change page) work on it."""
    for field in type(obj)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding, obj._state.db = False, created._state.db


def _ban_field() -> forms.CharField:
    return forms.CharField(
        label="Ban reason", required=False, max_length=services.MAX_BAN_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="RL-7: a reason bans (new requests are refused and kept); clearing it lifts "
                  "the ban. Only the support lead may.")


class BanFormMixin:
    """RL-7 in admin: the ``ban`` field sets or lifts the ban through its service; only the
    support lead (or an administrator) may, the services' own check. ``agent`` is set per
    request by ``BanAdminMixin``."""

    agent: Agent | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ban"].initial = self.instance.ban_reason

    def clean_ban(self):
        reason = self.cleaned_data.get("ban", "").strip()
        if reason != self.instance.ban_reason and not services.may_ban(self.agent):
            raise forms.ValidationError("Only the support lead may ban or lift a ban.")
        return reason


class BanAdminMixin:
    # Facts the services set: when it was created, since when it is banned.
    readonly_fields = ("created_at", "banned_at")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # A subclass per request: the class attribute must not be shared between requests.
        return type(form.__name__, (form,), {"agent": getattr(request.user, "agent", None)})

    def _save_with_ban(self, request, obj, form, ban, unban) -> None:
        """The edited fields as admin saves them; the ban only through its service."""
        super().save_model(request, obj, form, True)
        reason = form.cleaned_data.get("ban", "")
        if reason == obj.ban_reason:
            return
        agent = getattr(request.user, "agent", None)
        if reason:
            ban(obj, by=agent, reason=reason, now=clock.current())
        else:
            unban(obj, by=agent)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneForm(forms.ModelForm):
    class Meta:
        model = ContactPhone
        fields = ("number",)

    def clean_number(self):
        """FG-4: stored in E.164, read in the organisation's country when typed without a
        country code, so the voicemail look-up cannot miss it."""
        contact = self.instance.contact if self.instance.contact_id else None
        region = contact.organisation.country if contact else ""
        try:
            return services.phone_normalise(self.cleaned_data["number"], region=region)
        except DeskError as exc:
            raise forms.ValidationError(exc.message) from None


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    form = ContactPhoneForm
    extra = 0


def _policy_keys() -> list[str]:
    from pathlib import Path

    from django.conf import settings

    return sorted(p.stem for p in Path(settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"))


def _plan_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every policy's plans, grouped by policy, as admin's check boxes (not raw JSON); the
    service still checks that the chosen plans are the organisation's policy's."""
    from pledgedesk.versions.policies import policy_in_force

    groups, now = [], clock.current()
    for key in _policy_keys():
        policy = _loaded(lambda key=key: policy_in_force(key, now=now)[1])
        if policy is not None:  # a broken file is reported by `pledgedesk policy check`
            groups.append((policy.name, [(plan, f"{spec.label} ({plan})")
                                         for plan, spec in policy.spec.plans.items()]))
    return groups


def _loaded(load):
    try:
        return load()
    except DeskError:
        return None


class PlansField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self):
        super().__init__(choices=_plan_choices, required=False,
                         help_text="Plans from the organisation's policy.")

    def prepare_value(self, value):
        return value if isinstance(value, list | tuple) else []


class PlanChoicesMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "plans" in self.fields:
            self.fields["plans"] = PlansField()
            self.fields["plans"].initial = getattr(self.instance, "plans", None) or []
        if "policy_key" in self.fields:
            self.fields["policy_key"] = forms.ChoiceField(
                label="Policy", choices=[(k, k) for k in _policy_keys()],
                initial=getattr(self.instance, "policy_key", ""))


class OrganisationCreateForm(PlanChoicesMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "policy_key", "plans", "timezone", "country", "subdivision")

    def clean(self):
        data = super().clean()
        try:
            services.organisation_check(
                name=data.get("name") or "", policy_key=data.get("policy_key") or "",
                plans=data.get("plans") or [], timezone=data.get("timezone") or "",
                now=clock.current())
        except DeskError as exc:
            _put(self, exc)
        return data


class OrganisationForm(PlanChoicesMixin, BanFormMixin, forms.ModelForm):
    ban = _ban_field()

    class Meta:
        model = Organisation
        exclude = ("created_at", "banned_at", "ban_reason")


@admin.register(Organisation)
class OrganisationAdmin(BanAdminMixin, admin.ModelAdmin):
    list_display = ("name", "policy_key", "plans", "timezone", "country", "banned_at")
    search_fields = ("name",)
    raw_id_fields = ("primary_contact", "administrator", "account_manager",
                     "dedicated_representative")
    form = OrganisationForm
    add_form = OrganisationCreateForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return list(self.add_form.Meta.fields) if obj is None else super().get_fields(
            request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            self._save_with_ban(
                request, obj, form,
                ban=lambda o, **kw: services.organisation_ban(organisation=o, **kw),
                unban=lambda o, **kw: services.organisation_unban(organisation=o, **kw))
            return
        data = form.cleaned_data
        _became(obj, services.organisation_create(
            name=data["name"], policy_key=data["policy_key"], plans=data.get("plans") or [],
            timezone=data.get("timezone") or "", country=data.get("country") or "",
            subdivision=data.get("subdivision") or "", now=clock.current()))


class ContactCreateForm(forms.ModelForm):
    """A new contact: emails and phone numbers one per line (phones in any common format),
    and a password if they are to sign in to the portal."""

    emails = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="One per line; the first is their sign-in name.")
    phones = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="One per line, in any common format; stored as "
                                       "+15551234567.")
    password = forms.CharField(widget=forms.PasswordInput, required=False,
                               help_text="Leave empty for a contact who does not sign in.")

    class Meta:
        model = Contact
        fields = ("organisation", "name", "authorised")

    def clean(self):
        data = super().clean()
        if data.get("organisation") is None:
            return data
        try:
            services.contact_check(
                organisation=data["organisation"], name=data.get("name") or "",
                emails=_lines(data.get("emails")), phones=_lines(data.get("phones")),
                signs_in=bool(data.get("password")))
        except DeskError as exc:
            _put(self, exc)
        return data


class ContactForm(BanFormMixin, forms.ModelForm):
    ban = _ban_field()

    class Meta:
        model = Contact
        exclude = ("created_at", "banned_at", "ban_reason")


@admin.register(Contact)
class ContactAdmin(BanAdminMixin, admin.ModelAdmin):
    list_display = ("name", "organisation", "authorised", "banned_at")
    list_select_related = ("organisation",)
    search_fields = ("name", "emails__address", "phones__number")
    raw_id_fields = ("organisation", "user")
    inlines = [ContactEmailInline, ContactPhoneInline]
    form = ContactForm
    add_form = ContactCreateForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "name", "authorised", "emails", "phones", "password"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        """A phone number typed in any format finds its contact (FG-4)."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        try:
            number = services.phone_normalise(search_term)
        except DeskError:
            return queryset, duplicates
        return queryset | self.model.objects.filter(phones__number=number), True

    def save_model(self, request, obj, form, change):
        if change:
            self._save_with_ban(
                request, obj, form,
                ban=lambda o, **kw: services.contact_ban(contact=o, **kw),
                unban=lambda o, **kw: services.contact_unban(contact=o, **kw))
            return
        data = form.cleaned_data
        _became(obj, services.contact_create(
            organisation=data["organisation"], name=data["name"],
            emails=_lines(data.get("emails")), phones=_lines(data.get("phones")),
            authorised=data.get("authorised", False), password=data.get("password") or None,
            now=clock.current()))


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ("contact", "state", "requested_at", "expires_at")
    raw_id_fields = ("contact", "decided_by")


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ("key", "name")


class AgentForm(forms.ModelForm):
    """Roles as check boxes (not raw JSON)."""

    roles = forms.MultipleChoiceField(choices=Agent.Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Agent
        fields = ("name", "roles", "groups", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].initial = list(getattr(self.instance, "roles", None) or [])


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "roles", "active")
    filter_horizontal = ("groups",)
    form = AgentForm
    fields = ("user", "name", "roles", "groups", "active")
    raw_id_fields = ("user",)


class AgentInline(admin.StackedInline):
    """Making an agent is one screen: the user (sign-in name, password) with its agent."""

    model = Agent
    form = AgentForm
    can_delete = False
    min_num = 0
    max_num = 1
    extra = 1
    filter_horizontal = ("groups",)
    verbose_name = "agent (console access)"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class DeskUserAdmin(UserAdmin):
    """Django's user screens with the agent inline: fill in the agent part to make an agent
    in the same save, or leave its name empty for a user who is not one."""

    inlines = [AgentInline]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": (
        "username", "email", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API's token service; here they can only be seen and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
