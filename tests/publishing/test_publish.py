"""Publishing a support policy version (PR-9, issue 18): it takes effect at its effective
instant, for new tickets from then on and never before; tickets keep the version they were
opened under; who published it is recorded; once a key is published the file in the policy
directory no longer applies by itself (docs/policy-versions.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.publishing import services
from pledgedesk.tickets.models import Ticket
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_in_force
from tests.factories import T0, contact, organisation
from tests.pages import RK, open_ticket
from tests.publishing.conftest import RED_RESOLUTION
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
WEDNESDAY = datetime(2026, 1, 7, 0, 0, tzinfo=CHICAGO)


def test_a_future_version_leaves_todays_tickets_on_the_old_one_and_new_tickets_after_the_instant_get_it(  # noqa: E501
        policy_dir, draft):
    org = organisation(RK)
    someone = contact(org)
    before = open_ticket(org, someone, at=T0)

    done = publish(draft(RK, "3", RED_RESOLUTION), now=T0, effective=WEDNESDAY)
    later_today = open_ticket(org, someone, at=T0 + timedelta(hours=3))
    just_before = open_ticket(org, someone, at=WEDNESDAY - timedelta(microseconds=1))
    at_the_instant = open_ticket(org, someone, at=WEDNESDAY)

    assert done.version.effective_at == WEDNESDAY
    assert (done.version.published_at, done.version.published_by) == (T0, "Pat Publisher")
    assert {before.policy_version.version, later_today.policy_version.version,
            just_before.policy_version.version} == {"2"}
    assert at_the_instant.policy_version == done.version
    # The ticket opened before keeps its version after the instant (open tickets keep theirs).
    assert Ticket.objects.get(pk=before.pk).policy_version.version == "2"


def test_the_default_effective_instant_is_the_files_date_at_the_start_of_the_day_in_the_policy_zone(
        policy_dir, draft):
    scheduled = services.policy_draft(
        key=RK, source=draft(RK, "3", effective="2026-01-08").read_text(), filename="x.toml",
        effective=None, now=T0)
    past = services.policy_draft(
        key=RK, source=draft(RK, "3").read_text(), filename="x.toml", effective=None, now=T0)

    assert scheduled.effective_at == datetime(2026, 1, 8, tzinfo=CHICAGO)  # RK's hours zone
    assert past.effective_at == T0  # 2026-01-01 is past: now


def test_once_published_an_edited_file_no_longer_applies_by_itself(policy_dir, draft):
    org = organisation(RK)
    done = publish(draft(RK, "3", RED_RESOLUTION), now=T0)
    live = policy_dir / f"{RK}.toml"
    live.write_text(live.read_text() + "\n# edited after publication\n")

    opened = open_ticket(org, contact(org), at=T0 + timedelta(hours=1))

    assert opened.policy_version == done.version
    assert not PolicyVersion.objects.filter(source__contains="edited after publication").exists()


def test_a_key_never_published_still_runs_on_its_file(policy_dir):
    org = organisation(RK)
    first = open_ticket(org, contact(org), at=T0)
    live = policy_dir / f"{RK}.toml"
    live.write_text(live.read_text() + "\n# bootstrap edit\n")

    second = open_ticket(org, contact(org), at=T0)

    assert "bootstrap edit" in second.policy_version.source
    assert first.policy_version_id != second.policy_version_id


def test_the_version_in_force_is_never_a_future_one(policy_dir, draft):
    publish(draft(RK, "3", RED_RESOLUTION), now=T0, effective=WEDNESDAY)
    publish(draft(RK, "4", ("targets.red = { business_days = 1 }",
                            "targets.red = { business_days = 3 }")),
            now=T0, effective=WEDNESDAY + timedelta(days=7))

    assert policy_in_force(RK, now=T0)[0].version == "2"
    assert policy_in_force(RK, now=WEDNESDAY)[0].version == "3"
    assert policy_in_force(RK, now=WEDNESDAY + timedelta(days=6))[0].version == "3"
    assert policy_in_force(RK, now=WEDNESDAY + timedelta(days=7))[0].version == "4"


def test_refusals_name_their_field_and_write_nothing(policy_dir, draft):
    path = draft(RK, "3", RED_RESOLUTION)
    publish(path, now=T0, effective=WEDNESDAY)
    rows = PolicyVersion.objects.count()

    with pytest.raises(InvalidInput, match="effective") as past:
        publish(path, now=T0, effective=T0 - timedelta(days=1))
    with pytest.raises(Conflict, match="give the file a new"):
        publish(draft(RK, "3", ("targets.red = { business_days = 1 }",
                                "targets.red = { business_days = 5 }")), now=T0)
    with pytest.raises(InvalidInput, match="before the version already published"):
        publish(draft(RK, "4"), now=T0, effective=WEDNESDAY - timedelta(hours=1))
    assert past.value.field == "effective"
    assert PolicyVersion.objects.count() == rows


def test_publishing_the_same_text_again_is_a_rerun(policy_dir, draft):
    path = draft(RK, "3", RED_RESOLUTION)
    first = publish(path, now=T0)
    again = publish(path, now=T0 + timedelta(hours=1))

    assert first.created and not again.created
    assert again.version == first.version
    assert PolicyVersion.objects.filter(key=RK, published_at__isnull=False).count() == 1
