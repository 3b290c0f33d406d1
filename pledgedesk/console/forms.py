"""Console forms: every field labelled; choices come from the ticket's policy."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms

from pledgedesk.web.uploads import DeskForm, MultipleFileField

COMPOSE_KINDS = [("reply", "Public reply"), ("note", "Internal note"), ("call", "Log a call")]


class ComposeForm(DeskForm):
    kind = forms.ChoiceField(label="Kind", choices=COMPOSE_KINDS, initial="reply",
                             widget=forms.RadioSelect)
    body = forms.CharField(label="Message", widget=forms.Textarea, max_length=100_000)
    status = forms.ChoiceField(label="Then set status", required=False)
    attachments = MultipleFileField(label="Attachments")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, policy, **kwargs):
        # The ticket form on the same page has a status field too: ids must differ.
        kwargs.setdefault("auto_id", "compose_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Leave as is")] + [
            (key, spec.label) for key, spec in policy.statuses.items()]


class UpdateForm(DeskForm):
    status = forms.ChoiceField(label="Status")
    priority = forms.ChoiceField(label="Priority")
    assignee = forms.ChoiceField(label="Assignee", required=False)
    group = forms.ChoiceField(label="Group", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, policy, agents, groups, **kwargs):
        kwargs.setdefault("auto_id", "ticket_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(k, s.label) for k, s in policy.statuses.items()]
        self.fields["priority"].choices = [(p.key, p.label) for p in policy.priorities]
        self.fields["assignee"].choices = [("", "Unassigned")] + [
            (str(a.pk), a.name) for a in agents]
        self.fields["group"].choices = [("", "No group")] + [(g.key, g.name) for g in groups]


class PreferenceForm(DeskForm):
    timezone = forms.ChoiceField(label="Show times in this time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]
