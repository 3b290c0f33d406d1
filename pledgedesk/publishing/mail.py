"""The mail announcing a published policy version to an organisation's primary contact (PR-9),
delivered from the outbox row ``publishing.services.version_announce`` wrote (key
``mail:policy-version:<version>:contact:<contact>``: once per version and contact). Rendered
from ``channels/mail/policy_version.*`` (a policy's own template directory first, as every
mail), with a Message-ID derived from the outbox key so a retried delivery is the same message
to its receiver (at least once, docs/outbox.md)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.channels import outbound_render as mailtext
from pledgedesk.channels.outbound import support_address
from pledgedesk.outbox.registry import PermanentFailure, handler
from pledgedesk.policy.diff import policy_diff
from pledgedesk.publishing.services import MAIL_TOPIC
from pledgedesk.tickets.selectors import organisation_zone
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for


@handler(MAIL_TOPIC, max_attempts=8, backoff_seconds=60, max_backoff_seconds=3600)
def deliver(delivery, *, now: datetime) -> None:
    payload = delivery.payload
    version = PolicyVersion.objects.filter(pk=payload["version"]).first()
    contact = Contact.objects.filter(pk=payload["contact"]).first()
    org = Organisation.objects.filter(pk=payload["organisation"]).first()
    if version is None or contact is None or org is None:
        raise PermanentFailure("the version, contact or organisation no longer exists")
    to = list(contact.emails.values_list("address", flat=True))
    if not to:
        raise PermanentFailure(f"{contact} has no e-mail address")
    policy = policy_for(version)
    try:
        rendered = mailtext.render_mail("policy_version", _context(version, contact, org, now),
                                        policy)
    except mailtext.TemplateProblem as exc:
        raise PermanentFailure(str(exc)) from None
    mailtext.send_automatic(rendered, to=to, policy=policy, support=support_address(policy),
                            key=delivery.key)


def _context(version: PolicyVersion, contact: Contact, org: Organisation, now: datetime) -> dict:
    policy = policy_for(version)
    before = (PolicyVersion.objects.filter(key=version.key, effective_at__lte=version.effective_at)
              .exclude(pk=version.pk).order_by("-effective_at", "-id").first())
    zone = organisation_zone(org, policy)
    return {
        "contact": contact, "organisation": org, "policy_name": policy.name,
        "version": version.version, "zone": zone, "upcoming": version.effective_at > now,
        "effective": mailtext.instant(version.effective_at, zone),
        "changes": policy_diff(policy_for(before), policy) if before is not None else [],
        "policy_url": mailtext.absolute(reverse("portal:policy")) + "#policy-versions",
    }
