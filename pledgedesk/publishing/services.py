"""Publishing a support policy version (PR-9, issue 18; docs/policy-versions.md).

``policy_publish`` is the one way a version is published: ``pledgedesk policy publish`` and the
admin's publish form both call it. In one transaction it checks the text, stores it as a
version of its key that takes effect at its effective instant (never before), records who
published it, announces it when asked, and, when asked, applies it to the open tickets of the
organisations on that key (``publishing.apply``). A refused publication writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.errors import Conflict, InvalidInput, NotFound
from pledgedesk.outbox import services as outbox
from pledgedesk.policy.compile import Policy, compile_policy
from pledgedesk.policy.errors import PolicyError
from pledgedesk.policy.loader import parse_policy
from pledgedesk.publishing import apply
from pledgedesk.publishing.models import Announcement, Dismissal
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import (
    policy_file_record,
    policy_for,
    policy_path,
    policy_version_current,
    policy_versions_changed,
)

MAIL_TOPIC = "policy-mail"


@dataclass(frozen=True)
class Draft:
    """A checked policy text, not stored: what publishing it would store."""

    key: str
    source: str
    digest: str
    policy: Policy
    effective_at: datetime
    explicit: bool = False  # the effective instant was asked for, not the file's date

    def unsaved(self) -> PolicyVersion:
        """The version as it would be stored (no id): what a dry run evaluates under."""
        return PolicyVersion(key=self.key, version=self.policy.version, digest=self.digest,
                             source=self.source, loaded_at=self.effective_at,
                             effective_at=self.effective_at)


@dataclass(frozen=True)
class Publication:
    version: PolicyVersion
    created: bool  # False: this exact text was already recorded (see ``_store``)
    announcement: Announcement | None = None
    mails: int = 0
    applied: apply.ApplyPlan | None = None
    notes: tuple[str, ...] = field(default=())


def policy_draft(*, key: str, source: str, filename: str, effective: datetime | None,
                 now: datetime) -> Draft:
    """Check ``source`` as policy ``key`` (one line naming the file and line or key path on
    error) and work out its effective instant: ``effective`` (an aware instant, not in the
    past), else the file's ``effective`` date at the start of that day in the policy's zone,
    or ``now`` when that is past."""
    if not policy_path(key).exists() and not PolicyVersion.objects.filter(key=key).exists():
        raise InvalidInput(f"no support policy named {key!r}: the file's name is the policy's "
                           "key (KEY.toml); a new policy starts as a file in the policy "
                           "directory", field="file")
    try:
        policy = compile_policy(parse_policy(source, filename), key=key)
    except PolicyError as exc:
        more = len(exc.problems) - 1
        raise InvalidInput(str(exc.problems[0]) + (f" (and {more} more problem(s): run "
                                                    "`pledgedesk policy check`)" if more else ""),
                           field="file") from None
    if effective is not None and (effective.tzinfo is None or effective < now):
        raise InvalidInput("the effective instant must carry a UTC offset and not be in the "
                           f"past (now is {now.isoformat()})", field="effective")
    at = effective or max(now, day_start(policy.spec.policy.effective, policy_zone(policy)))
    digest = hashlib.sha256(source.encode()).hexdigest()
    return Draft(key=key, source=source, digest=digest, policy=policy, effective_at=at,
                 explicit=effective is not None)


def policy_zone(policy: Policy) -> str:
    """The zone a policy's dates are read in: its support hours' zone, UTC when those hours
    are each organisation's own."""
    hours = policy.calendars[policy.spec.policy.hours_calendar]
    return "UTC" if hours.needs_timezone else hours.timezone


def day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def policy_publish(*, draft: Draft, by: str, now: datetime, announce: bool | None = None,
                   apply_open: bool = False, expected: str | None = None) -> Publication:
    """Publish ``draft`` (``policy_draft``). ``announce`` None: as the policy asks (it names
    where changes are announced, ``changes_announced_on``). ``apply_open``: move the open
    tickets of the organisations on this key to it now, which needs it in force now;
    ``expected``, a dry run's plan digest, refuses the whole publication if they changed."""
    if not by.strip():
        raise InvalidInput("say who publishes the version", field="by")
    if apply_open and draft.effective_at > now:
        raise InvalidInput(
            f"--apply-open moves open tickets now, but this version takes effect on "
            f"{draft.effective_at.isoformat()}: publish it, then run `pledgedesk policy apply "
            f"{draft.key}` once it is in force", field="apply_open")
    with transaction.atomic(durable=True):
        version, created, notes = _store(draft, by.strip(), now)
        wanted = announce if announce is not None else announces(draft.policy)
        announcement, mails = version_announce(version, now=now) if wanted else (None, 0)
        applied = (apply.open_tickets_apply(version=version, now=now, expected=expected)
                   if apply_open else None)
        policy_versions_changed(draft.key)
    return Publication(version=version, created=created, announcement=announcement,
                       mails=mails, applied=applied, notes=notes)


def announces(policy: Policy) -> bool:
    """PR-9: a policy that says where its changes are announced asks for announcements."""
    return bool(policy.spec.policy.changes_announced_on)


def _store(draft: Draft, by: str, now: datetime) -> tuple[PolicyVersion, bool, tuple[str, ...]]:
    recorded = PolicyVersion.objects.filter(key=draft.key)
    notes = () if recorded.exists() else _freeze_bootstrap(draft, now)
    known = list(recorded.select_for_update().order_by("effective_at", "id"))
    same = next((v for v in known if v.digest == draft.digest), None)
    if same is not None and same.published:
        return _republished(same, draft)
    if same is not None:  # recorded from the file: in force since it was read
        same.effective_at = min(same.effective_at, draft.effective_at)
        same.published_at, same.published_by = now, by
        same.save(update_fields=["effective_at", "published_at", "published_by"])
        return same, False, (*notes, f"this text was in force since "
                                     f"{same.effective_at.isoformat()} (read from the policy "
                                     "file); it is now published")
    _check_order(draft, known)
    version = PolicyVersion.objects.create(
        key=draft.key, version=draft.policy.version, digest=draft.digest, source=draft.source,
        loaded_at=now, effective_at=draft.effective_at, published_at=now, published_by=by)
    return version, True, notes


def _republished(same: PolicyVersion, draft: Draft):
    """Publishing the same text again is a re-run: nothing new, unless it asks for another
    effective instant."""
    if draft.explicit and draft.effective_at != same.effective_at:
        raise Conflict(f"this text is already version {same.version} of {draft.key}, effective "
                       f"{same.effective_at.isoformat()}; publish a new version to change it",
                       field="effective")
    return same, False, (f"already published as version {same.version} by "
                         f"{same.published_by or 'someone'}; nothing new stored",)


def _check_order(draft: Draft, known: list[PolicyVersion]) -> None:
    for row in known:
        if row.version == draft.policy.version:
            raise Conflict(f"version {row.version} of {draft.key} is already recorded with "
                           "other text: give the file a new [policy] version", field="file")
    last = max((v.effective_at for v in known if v.published), default=None)
    if last is not None and draft.effective_at < last:
        raise InvalidInput(f"version effective {draft.effective_at.isoformat()} would take "
                           f"effect before the version already published for "
                           f"{last.isoformat()}", field="effective")


def _freeze_bootstrap(draft: Draft, now: datetime) -> tuple[str, ...]:
    """A key never recorded: the file in the policy directory is what was in force until now
    (the bootstrap), recorded before the first published version, so tickets opened before
    that version takes effect keep getting it."""
    try:
        policy_file_record(draft.key, now=now)
    except InvalidInput as exc:
        return (f"no earlier version recorded ({exc.message}): the key has no version in "
                "force before this one takes effect",)
    return ()


# --- announcing --------------------------------------------------------------------------


def version_announce(version: PolicyVersion, *, now: datetime) -> tuple[Announcement, int]:
    """PR-9: the banner (from now until ``announce_days`` after the version takes effect) and
    one mail per primary contact of each organisation on the key, once: running it again adds
    neither a banner nor a mail (the outbox keys are per version and contact). Returns the
    announcement and how many primary contacts are mailed."""
    days = policy_for(version).spec.policy.announce_days
    announcement, _ = Announcement.objects.get_or_create(version=version, defaults={
        "key": version.key, "created_at": now, "shows_from": now,
        "shows_until": max(now, version.effective_at) + timedelta(days=days)})
    orgs = list(Organisation.objects.filter(policy_key=version.key,
                                            primary_contact__isnull=False)
                .values_list("pk", "primary_contact_id"))
    for org_id, contact_id in orgs:
        outbox.enqueue(topic=MAIL_TOPIC, organisation_id=org_id, now=now,
                       key=f"mail:policy-version:{version.pk}:contact:{contact_id}",
                       payload={"version": version.pk, "contact": contact_id,
                                "organisation": org_id})
    return announcement, len(orgs)


def announcement_dismiss(*, contact: Contact, announcement_id: int, now: datetime) -> Dismissal:
    """Close a banner for this person only; an announcement of another policy is not theirs
    (NotFound, as for anything a contact may not read)."""
    found = Announcement.objects.filter(
        pk=announcement_id, key=contact.organisation.policy_key).first()
    if found is None:
        raise NotFound("no such announcement", field="announcement")
    with transaction.atomic():
        dismissal, _ = Dismissal.objects.get_or_create(announcement=found, contact=contact,
                                                       defaults={"at": now})
    return dismissal


# --- dry runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What publishing a draft would do, nothing written: the publication's own refusals are
    raised as they would be, and ``plan`` is what ``--apply-open`` would move now."""

    plan: apply.ApplyPlan
    notes: tuple[str, ...] = ()


def publication_preview(*, draft: Draft, now: datetime) -> Preview:
    known = list(PolicyVersion.objects.filter(key=draft.key).order_by("effective_at", "id"))
    same = next((v for v in known if v.digest == draft.digest), None)
    notes: tuple[str, ...] = ()
    if same is not None and same.published:
        _republished(same, draft)
        notes = (f"already published as version {same.version}; nothing new would be stored",)
    elif same is None:
        _check_order(draft, known)
    if draft.effective_at > now:
        notes += (f"takes effect on {draft.effective_at.isoformat()}: open tickets can be moved "
                  "once it is in force (`pledgedesk policy apply KEY`); listed as of now",)
    version = same if same is not None else draft.unsaved()
    return Preview(plan=apply.open_tickets_plan(version=version, now=now), notes=notes)


def version_in_force_apply(*, key: str, now: datetime, dry_run: bool = False,
                           expected: str | None = None) -> tuple[PolicyVersion, apply.ApplyPlan]:
    """``pledgedesk policy apply KEY``: the version of ``key`` in force now, applied to the
    open tickets of the organisations on it that run under an older one (or, dry, listed)."""
    version = policy_version_current(key, now=now)
    if dry_run:
        return version, apply.open_tickets_plan(version=version, now=now)
    with transaction.atomic(durable=True):
        return version, apply.open_tickets_apply(version=version, now=now, expected=expected)
