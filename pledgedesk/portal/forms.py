"""Portal forms. Every one renders a label for each field; errors from the desk's services
(DeskError) are put on the field they name."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledgedesk.accounts.models import Contact, ContactEmail
from pledgedesk.portal.offer import Offer
from pledgedesk.web.uploads import DeskForm, MultipleFileField


class PriorityRadio(forms.RadioSelect):
    """Each priority with what it means for this support team beside it."""

    template_name = "portal/widgets/priority_radio.html"
    priorities: dict
    policy_key = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        prio = self.priorities.get(value)
        option["description"] = prio.description if prio else ""
        return option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["policy_key"] = self.policy_key
        return context


class SubmitRequestForm(DeskForm):
    """FG-2: Priority, Brief Description, Detailed Description and attachments."""

    subject = forms.CharField(label="Brief description", max_length=250,
                              help_text="One line: what is wrong, in a few words.")
    description = forms.CharField(label="Detailed description", widget=forms.Textarea,
                                  max_length=100_000,
                                  help_text="What happened, what you expected, what you tried.")
    priority = forms.ChoiceField(label="Priority", widget=PriorityRadio)
    topic = forms.ChoiceField(label="Request type", required=False,
                              help_text="What the request is about, as the support policy "
                                        "lists it.")
    copy_administrator = forms.BooleanField(label="Copy our Administrator", required=False)
    attachments = MultipleFileField(label="Attachments",
                                    help_text="Screenshots or logs; up to 10 files.")

    def __init__(self, *args, offer: Offer, administrator: Contact | None = None, **kwargs):
        """``administrator``: the organisation's Administrator when the person submitting is
        someone else, so they may copy them in (RK-2)."""
        super().__init__(*args, **kwargs)
        self.offer = offer
        field = self.fields["priority"]
        field.choices = [(p.key, p.label) for p in offer.priorities]
        field.widget.priorities = {p.key: p for p in offer.priorities}
        field.widget.policy_key = offer.policy.key
        field.initial = offer.default if any(
            p.key == offer.default for p in offer.priorities) else None
        self._topics(offer)
        self._administrator(offer, administrator)

    def _topics(self, offer: Offer) -> None:
        """PR-4 request types (the policy's scope); an out-of-scope choice is flagged and
        routed as the policy says (RK-9, RL-9, PR-8)."""
        covered, outside = offer.policy.topics
        choices: list = [("", "Something else, or not sure"),
                         ("Support covers", [(t, t) for t in covered])]
        if outside:
            choices.append(("Outside standard support", [(t, t) for t in outside]))
        self.fields["topic"].choices = choices

    def _administrator(self, offer: Offer, administrator: Contact | None) -> None:
        if administrator is None:
            del self.fields["copy_administrator"]
            return
        field = self.fields["copy_administrator"]
        field.label = f"Copy our Administrator, {administrator.name}"
        self.administrator = administrator
        if offer.policy.spec.intake.flag_without_administrator:
            field.initial = True
            field.help_text = ("This support team works with your Administrator: a request "
                               "that does not copy them is flagged, and the time it waits "
                               "for them does not count against the targets.")


class ReplyForm(DeskForm):
    body = forms.CharField(label="Your reply", widget=forms.Textarea, max_length=100_000)
    attachments = MultipleFileField(label="Attachments")


class EscalationForm(DeskForm):
    reason = forms.CharField(label="Why does this need escalation?", widget=forms.Textarea(
        attrs={"rows": 3}), max_length=2000)


class AddPersonForm(DeskForm):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(label="Email address", max_length=254)


class PasswordResetRequestForm(PasswordResetForm):
    """FG-2 "forgot my password": contacts are found by any of their email addresses
    (case-insensitive), and the link goes to the address that was typed, which is one of
    theirs. The answer is the same whether or not the address is known."""

    email = forms.EmailField(label="Email address", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        rows = (ContactEmail.objects.filter(address__iexact=email, contact__user__isnull=False,
                                            contact__user__is_active=True,
                                            contact__banned_at__isnull=True)
                .select_related("contact__user"))
        return [row.contact.user for row in rows]

    def save(self, domain_override=None,
             subject_template_name="portal/password_reset_subject.txt",
             email_template_name="portal/password_reset_email.txt", use_https=False,
             token_generator=default_token_generator, from_email=None, request=None,
             html_email_template_name=None, extra_email_context=None):
        email = self.cleaned_data["email"]
        domain = domain_override or (request.get_host() if request else "localhost")
        for user in self.get_users(email):
            context = {
                "email": email, "domain": domain, "site_name": "Pledgedesk",
                "uid": urlsafe_base64_encode(force_bytes(user.pk)), "user": user,
                "token": token_generator.make_token(user),
                "protocol": "https" if use_https else "http", **(extra_email_context or {}),
            }
            self.send_mail(subject_template_name, email_template_name, context, from_email,
                           email, html_email_template_name=html_email_template_name)
