"""Reads for the customer's policy page and banners (PR-9): a policy's versions with what
changed for the customer between each and the one before (``policy.diff`` on the two compiled
policies, never a text diff), and the announcements a person has not dismissed. Each takes the
contact: a customer only ever reads their own organisation's policy's versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.policy.diff import Change, policy_diff
from pledgedesk.publishing.models import Announcement
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for, policy_version_current


@dataclass(frozen=True)
class VersionEntry:
    version: PolicyVersion
    changes: tuple[Change, ...]  # against the entry before it; () for the first
    first: bool = False


@dataclass(frozen=True)
class Changelog:
    key: str
    in_force: VersionEntry
    earlier: tuple[VersionEntry, ...]  # newest first
    upcoming: tuple[VersionEntry, ...]  # published, not yet in force; soonest first


def policy_changelog(*, contact: Contact, now: datetime) -> Changelog:
    """The contact's own policy: the version in force at ``now``, the versions before it and
    the published ones still to come, each with what changed for the customer."""
    return organisation_changelog(organisation=contact.organisation, now=now)


def organisation_changelog(*, organisation: Organisation, now: datetime) -> Changelog:
    """``policy_changelog`` for the policy ``organisation`` runs under; the caller has checked
    that the person asking may see that organisation (its own contacts, or an agent)."""
    key = organisation.policy_key
    current = policy_version_current(key, now=now)
    rows = list(PolicyVersion.objects.filter(key=key).order_by("effective_at", "id"))
    if current not in rows:  # the file read just now, in this transaction
        rows.append(current)
    at = rows.index(current)
    past = [v for v in rows[:at] if v.effective_at <= current.effective_at]
    upcoming = [v for v in rows[at + 1:] if v.published and v.effective_at > now]
    entries = _entries([*past, current, *upcoming])
    return Changelog(key=key, in_force=entries[len(past)],
                     earlier=tuple(reversed(entries[:len(past)])),
                     upcoming=tuple(entries[len(past) + 1:]))


def _entries(versions: list[PolicyVersion]) -> list[VersionEntry]:
    out = []
    for i, version in enumerate(versions):
        changes = tuple(policy_diff(policy_for(versions[i - 1]), policy_for(version))) if i else ()
        out.append(VersionEntry(version=version, changes=changes, first=i == 0))
    return out


@dataclass(frozen=True)
class Banner:
    announcement: Announcement
    upcoming: bool  # "changes on DATE" rather than "changed on DATE"


def banners_for(contact: Contact | None, *, now: datetime) -> list[Banner]:
    """The announcements of the contact's own policy showing at ``now`` that they have not
    dismissed, newest first. None (a visitor, an agent): none."""
    if not contact:
        return []
    rows = (Announcement.objects.filter(key=contact.organisation.policy_key,
                                        shows_from__lte=now, shows_until__gt=now)
            .exclude(dismissals__contact=contact).select_related("version")
            .order_by("-version__effective_at", "-id"))
    return [Banner(a, a.version.effective_at > now) for a in rows]
