"""Publishing from Django admin (PR-9): the policy versions list gains "Publish a version", a
form taking an uploaded or pasted policy file, its effective instant, whether to announce it,
and what to do with open tickets (keep them, a dry run listing what would move, or apply). It
calls the same services as ``pledgedesk policy publish``; a refusal is shown on the form's
field and nothing is written. An action announces selected versions again (banner and mail,
never twice to one contact)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from pledgedesk import clock
from pledgedesk.errors import DeskError
from pledgedesk.publishing import services
from pledgedesk.versions.admin import PolicyVersionAdmin
from pledgedesk.versions.models import PolicyVersion

OPEN_TICKETS = (("keep", "Keep the version they were opened under"),
                ("dry_run", "Dry run: list what applying would move, publish nothing"),
                ("apply", "Apply this version to open tickets now"))
ANNOUNCE = (("", "As the policy asks (changes_announced_on)"), ("yes", "Announce"),
            ("no", "Do not announce"))


class PublishForm(forms.Form):
    file = forms.FileField(required=False, help_text="KEY.toml: its name is the policy key.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           label="or paste the file")
    key = forms.CharField(required=False, help_text="Needed with pasted text.")
    effective = forms.CharField(required=False, help_text=(
        "ISO 8601 with a UTC offset, e.g. 2026-03-01T00:00:00-06:00. Empty: the file's "
        "effective date at the start of the day in the policy's zone, or now if that is past."))
    announce = forms.ChoiceField(choices=ANNOUNCE, required=False)
    open_tickets = forms.ChoiceField(choices=OPEN_TICKETS, initial="keep")
    expected = forms.CharField(required=False, label="Dry run's plan", help_text=(
        "With apply: the plan a dry run showed; refused if the open tickets changed since."))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError({"file": "not a UTF-8 text file"}) from None
            data["filename"] = upload.name
            data["key"] = data.get("key") or upload.name.rsplit("/", 1)[-1].removesuffix(".toml")
        elif data.get("text"):
            data["source"], data["filename"] = data["text"], f"{data.get('key')}.toml"
        else:
            raise forms.ValidationError({"file": "upload the policy file or paste it"})
        if not data.get("key"):
            raise forms.ValidationError({"key": "say which policy this is a version of"})
        data["effective_at"] = _instant(data.get("effective") or "")
        return data


def _instant(text: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise forms.ValidationError({"effective": "an ISO 8601 instant with a UTC offset"})
    return at


admin.site.unregister(PolicyVersion)


@admin.register(PolicyVersion)
class PublishingAdmin(PolicyVersionAdmin):
    change_list_template = "admin/publishing/policy_changelist.html"
    actions = ["announce"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.publish_view)
        # One policy file at most, as ``web.uploads.accepts_files(1)`` declares for a page:
        # the upload middleware refuses a longer declared body before reading it.
        view.upload_limit = (1, None)
        return [path("publish/", view, name="versions_policyversion_publish"),
                *super().get_urls()]

    def has_publish_permission(self, request) -> bool:
        return request.user.is_superuser

    def publish_view(self, request):
        if not self.has_publish_permission(request):
            raise PermissionDenied("only a superuser publishes support policy versions")
        form = PublishForm(request.POST or None, request.FILES or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            try:
                preview = self._publish(request, form.cleaned_data)
            except DeskError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if preview is None:
                    return redirect("admin:versions_policyversion_changelist")
                form = PublishForm(initial={**form.cleaned_data, "file": None,
                                            "text": form.cleaned_data["source"],
                                            "open_tickets": "apply",
                                            "expected": preview.plan.digest})
        return TemplateResponse(request, "admin/publishing/publish.html", {
            **self.admin_site.each_context(request), "title": "Publish a support policy version",
            "form": form, "preview": preview, "opts": self.model._meta})

    def _publish(self, request, data):
        now = clock.current()
        draft = services.policy_draft(key=data["key"], source=data["source"],
                                      filename=data["filename"], effective=data["effective_at"],
                                      now=now)
        if data["open_tickets"] == "dry_run":
            return services.publication_preview(draft=draft, now=now)
        done = services.policy_publish(
            draft=draft, by=request.user.get_username(), now=now,
            announce={"yes": True, "no": False}.get(data.get("announce") or ""),
            apply_open=data["open_tickets"] == "apply", expected=data.get("expected") or None)
        told = f"; announced to {done.mails} primary contact(s)" if done.announcement else ""
        moved = f"; {len(done.applied.moving)} open ticket(s) moved" if done.applied else ""
        when = done.version.effective_at.isoformat()
        messages.success(request, f"{draft.key} version {done.version.version} published, "
                                  f"effective {when}{told}{moved}.")
        for note in done.notes:
            messages.info(request, note)
        return None

    @admin.action(description="Announce again (banner; mail once per primary contact)")
    def announce(self, request, queryset):
        now = clock.current()
        for version in queryset.filter(published_at__isnull=False):
            _, mails = services.version_announce(version, now=now)
            messages.info(request, f"{version}: {mails} primary contact(s), once each")
