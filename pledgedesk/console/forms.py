"""Console forms: every field labelled; choices come from the ticket's policy."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from pledgedesk.web.uploads import DeskForm, MultipleFileField
from pledgedesk.web.widgets import QuickSelect

# --- rendering the ticket page's forms without a template per field (issue 20) ---------------

_INPUTS = frozenset(f"django/forms/widgets/{n}.html"
                    for n in ("input", "hidden", "text", "number", "email", "url", "password",
                              "checkbox", "file"))
_OPTIONS = frozenset(f"django/forms/widgets/{n}.html"
                     for n in ("input_option", "radio_option", "checkbox_option"))


def _attrs(attrs: dict) -> str:
    """Django's ``attrs.html``: `` name="value"``, a bare name for True, nothing for False."""
    return "".join(
        "" if value is False
        else f" {conditional_escape(name)}" if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items())


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, writing in Python the templates every field of the ticket
    page goes through: the field group (``field.html``), its label, an empty error list, the
    ``<input>`` family (radio buttons and a file input without a current file too) and
    ``<textarea>``. The output is what Django's templates give (after
    their ``strip()``; ``tests/console/test_quick_renderer`` holds the two equal); any other
    template, and a non-empty error list, still goes through Django's."""

    def render(self, template_name, context, request=None):
        if template_name in _INPUTS or (
                template_name == "django/forms/widgets/clearable_file_input.html"
                and not context["widget"]["is_initial"]):
            return self._input(context["widget"])
        if template_name in _OPTIONS:  # a radio button or checkbox of a list, alone
            w = context["widget"]
            if not w["wrap_label"]:
                return self._input(w)
            label_for = (f' for="{conditional_escape(w["attrs"]["id"])}"'
                         if w["attrs"].get("id") else "")
            return mark_safe(  # noqa: S308 (every value escaped)
                f'<label{label_for}>{self._input(w)}\n {conditional_escape(w["label"])}</label>')
        if template_name == "django/forms/widgets/textarea.html":
            w = context["widget"]
            value = conditional_escape(w["value"]) if w["value"] else ""
            return mark_safe(  # noqa: S308 (every value escaped)
                f'<textarea name="{conditional_escape(w["name"])}"{_attrs(w["attrs"])}>\n'
                f'{value}</textarea>')
        if template_name == "django/forms/label.html":
            label = conditional_escape(context["label"])
            if not context["use_tag"]:
                return mark_safe(label.strip())  # noqa: S308 (escaped above)
            tag = conditional_escape(context["tag"])
            return mark_safe(  # noqa: S308 (every value escaped)
                f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>")
        if template_name == "django/forms/errors/list/default.html" and not context["errors"]:
            return ""
        if template_name == "django/forms/field.html":
            return self._field_group(context["field"])
        return super().render(template_name, context, request=request)

    @staticmethod
    def _input(w: dict) -> str:
        """``input.html``: the value shown unless it is None."""
        value = w["value"]
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return mark_safe(  # noqa: S308 (every value escaped)
            f'<input type="{conditional_escape(w["type"])}" '
            f'name="{conditional_escape(w["name"])}"{shown}{_attrs(w["attrs"])}>')

    @staticmethod
    def _field_group(field) -> str:
        help_text = ""
        if field.help_text:
            help_id = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
            help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
        rest = f"\n{help_text}\n{field.errors}\n{field}"
        if field.use_fieldset:
            described = field.aria_describedby
            described = (f' aria-describedby="{conditional_escape(described)}"'
                         if described else "")
            legend = field.legend_tag() if field.label else ""
            html = f"<fieldset{described}>\n  {legend}\n{rest}</fieldset>"
        else:
            html = f"{field.label_tag() if field.label else ''}\n{rest}"
        return mark_safe(html.strip())  # noqa: S308 (the parts are escaped or safe)


QUICK = QuickRenderer()


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    """``forms.SelectMultiple``, rendered as ``QuickSelect`` renders (no template per option)."""


COMPOSE_KINDS = [("reply", "Public reply"), ("note", "Internal note"), ("call", "Log a call")]


class ComposeForm(DeskForm):
    """The reply box. ``version`` and ``seen`` (the newest message shown) are what the page
    was loaded with: a send tells the agent what arrived since, and is never refused for it."""

    default_renderer = QUICK

    kind = forms.ChoiceField(label="Kind", choices=COMPOSE_KINDS, initial="reply",
                             widget=forms.RadioSelect)
    body = forms.CharField(label="Message", widget=forms.Textarea, max_length=100_000)
    ask_customer = forms.BooleanField(
        label="This reply asks the customer something (set the ticket to Pending)",
        required=False)
    attachments = MultipleFileField(label="Attachments")
    version = forms.IntegerField(widget=forms.HiddenInput)
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, policy, draft_url: str = "", **kwargs):
        # The ticket form on the same page has a status field too: ids must differ.
        kwargs.setdefault("auto_id", "compose_%s")
        super().__init__(*args, **kwargs)
        asking = policy.status_after(policy.status_of_category("open"), "asking_customer")
        self.fields["ask_customer"].label = (
            f"This reply asks the customer something (set {policy.status(asking).label})")
        if draft_url:  # kept on the server as the agent types (debounced), no inline script
            self.fields["body"].widget.attrs.update({
                "hx-post": draft_url, "hx-trigger": "input changed delay:800ms",
                "hx-target": "#draft-state", "hx-swap": "innerHTML",
                "hx-params": "csrfmiddlewaretoken,kind,body"})


# The properties beside the reply box: in the same HTML form (``form="compose"``), so one
# submit can send the reply with them and "Save changes" keeps the half-written reply.
PROPERTY_FIELDS = ("status", "priority", "assignee", "group")


class UpdateForm(DeskForm):
    """The ticket's properties, with the values the page showed (``was_*``): a change is
    refused only if someone else changed that same property since (``workspace``)."""

    default_renderer = QUICK

    status = forms.ChoiceField(label="Status", widget=QuickSelect)
    priority = forms.ChoiceField(label="Priority", widget=QuickSelect)
    assignee = forms.ChoiceField(label="Assignee", required=False, widget=QuickSelect)
    group = forms.ChoiceField(label="Group", required=False, widget=QuickSelect)
    version = forms.IntegerField(widget=forms.HiddenInput)
    was_status = forms.CharField(widget=forms.HiddenInput, required=False)
    was_priority = forms.CharField(widget=forms.HiddenInput, required=False)
    was_assignee = forms.CharField(widget=forms.HiddenInput, required=False)
    was_group = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, policy, agents, groups, form_id: str = "", **kwargs):
        kwargs.setdefault("auto_id", "ticket_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(k, s.label) for k, s in policy.statuses.items()]
        self.fields["priority"].choices = [(p.key, p.label) for p in policy.priorities]
        self.fields["assignee"].choices = [("", "Unassigned")] + [
            (str(a.pk), a.name) for a in agents]
        self.fields["group"].choices = [("", "No group")] + [(g.key, g.name) for g in groups]
        if form_id:
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id

    def loaded_given(self) -> bool:
        """Whether the client sent what it loaded (this page does; older clients do not)."""
        return bool(self.data.get("was_status"))


class PreferenceForm(DeskForm):
    timezone = forms.ChoiceField(label="Show times in this time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]


# --- the ticket page's account panels (issue 12) ---------------------------------------------


class _TicketAction(DeskForm):
    """A ticket-page action guarded by the version the page was loaded at."""

    default_renderer = QUICK

    version = forms.IntegerField(widget=forms.HiddenInput)

    prefix_id = "action"

    def __init__(self, *args, **kwargs):
        # Several forms on one page carry a version field: their ids must differ.
        kwargs.setdefault("auto_id", f"{self.prefix_id}_%s")
        super().__init__(*args, **kwargs)


class IdentityForm(_TicketAction):
    """RL-6: how the requester's identity was verified."""

    prefix_id = "identity"
    method = forms.CharField(
        label="How was the identity verified?", max_length=200,
        help_text="For example: the last four digits of the card on file, or a call back to "
                  "the number on the account.")


def _contact_choices(contacts) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in contacts]


class LookupForm(_TicketAction):
    """FG-4: name the caller of a ticket that knows only a phone number."""

    prefix_id = "lookup"
    contact = forms.ChoiceField(label="Contact", required=False)
    number = forms.CharField(label="Or find by phone number", required=False, max_length=40,
                             help_text="Any common format: (952) 555-0100, +1 952 555 0100.")

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "Choose a contact"), *_contact_choices(contacts)]

    def clean(self):
        data = super().clean()
        if not data.get("contact") and not (data.get("number") or "").strip():
            raise forms.ValidationError("Choose a contact or type a phone number.")
        return data


class CcForm(_TicketAction):
    """RK-2: who is copied on the ticket."""

    prefix_id = "cc"
    cc = forms.MultipleChoiceField(label="Copied contacts", required=False,
                                   widget=QuickSelectMultiple(attrs={"size": 6}))

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cc"].choices = _contact_choices(contacts)


class TopicForm(_TicketAction):
    """RK-9, RL-9, PR-8: the topic, from the policy's lists; an out-of-scope one flags the
    ticket and routes it where the policy says."""

    prefix_id = "topic"
    topic = forms.ChoiceField(label="Topic", required=False, widget=QuickSelect)

    def __init__(self, *args, policy, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        covered, outside = policy.topics
        choices: list = [("", "No topic")]
        if current and current not in covered + outside:
            choices.append((current, current))  # set through the API as free text
        choices.append(("Covered by support", [(t, t) for t in covered]))
        if outside:
            choices.append(("Out of scope", [(t, t) for t in outside]))
        self.fields["topic"].choices = choices


BAN_TARGETS = [("requester", "Requester"), ("organisation", "Organisation")]


class BanForm(DeskForm):
    """RL-7: ban the ticket's requester or organisation, with a reason, or lift the ban."""

    default_renderer = QUICK

    target = forms.ChoiceField(choices=BAN_TARGETS, widget=forms.HiddenInput)
    lift = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, target: str = "requester", **kwargs):
        kwargs.setdefault("auto_id", f"ban_{target}_%s")
        kwargs.setdefault("initial", {"target": target})
        super().__init__(*args, **kwargs)
