"""``pledgedesk policy publish`` and ``pledgedesk policy apply`` (PR-9, issue 18): a refusal is
one line naming the file (and its line or key path), exit 1, nothing written; a malformed
``--effective`` exits 2; the dry run lists exactly what ``--apply-open`` moves (Zammad#534,
#4353, osTicket#5160)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.cli_policy import main
from pledgedesk.publishing.models import Announcement
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.versions.models import PolicyVersion
from tests.factories import T0, contact, organisation
from tests.pages import NOW, RK, open_ticket
from tests.publishing.conftest import RED_RESOLUTION

pytestmark = pytest.mark.django_db


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_publish_prints_what_it_stored_and_who_published(policy_dir, draft, capsys, at_now):
    code, out, err = _run(capsys, "publish", str(draft(RK, "3", RED_RESOLUTION)), "--by", "Pat")

    assert (code, err) == (0, "")
    assert f"published {RK} version 3, effective {NOW.isoformat()}, by Pat." in out
    assert "open tickets keep the version they were opened under" in out
    assert PolicyVersion.objects.get(key=RK, version="3").published_by == "Pat"


def test_a_syntax_error_is_one_line_naming_the_file_and_line_and_nothing_is_written(
        policy_dir, tmp_path, capsys, at_now):
    broken = tmp_path / f"{RK}.toml"
    broken.write_text('[policy]\nname = "x"\nversion = \n')

    code, out, err = _run(capsys, "publish", str(broken))

    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"{broken}:line 3: TOML syntax error")
    assert not PolicyVersion.objects.exists()


def test_a_schema_error_names_the_key_path(policy_dir, draft, capsys, at_now):
    path = draft(RK, "3", ('label = "RED"', 'label = "RED"\nshade = "dark"'))

    code, _, err = _run(capsys, "publish", str(path))

    assert code == 1
    assert err.startswith(f"{path}:priorities.red.shade: unknown key")
    assert err.count("\n") == 1


@pytest.mark.parametrize(("effective", "code", "says"), [
    ("next tuesday", 2, "is not an ISO 8601 instant"),
    ("2026-02-01T00:00:00", 2, "is not an ISO 8601 instant with a UTC offset"),
    ("2026-01-01T00:00:00+00:00", 1, "must carry a UTC offset and not be in the past"),
])
def test_bad_effective_instants_are_refused(policy_dir, draft, capsys, at_now, effective,
                                            code, says):
    got, _, err = _run(capsys, "publish", str(draft(RK, "3")), "--effective", effective)

    assert got == code and says in err
    assert not PolicyVersion.objects.filter(version="3").exists()


def test_a_reused_version_number_is_refused_naming_the_file(policy_dir, draft, capsys, at_now):
    path = draft(RK, "2", RED_RESOLUTION)  # the file says 2, as the one in force

    code, _, err = _run(capsys, "publish", str(path))

    assert code == 1
    assert err == f"{path}: version 2 of {RK} is already recorded with other text: give the " \
                  "file a new [policy] version\n"
    assert not PolicyVersion.objects.filter(published_at__isnull=False).exists()
    assert not Announcement.objects.exists()


def test_dry_run_lists_what_apply_open_then_moves(policy_dir, draft, capsys, at_now):
    org = organisation(RK)
    boss = contact(org, role="administrator")
    tickets = [open_ticket(org, boss, at=T0, priority=p) for p in ("red", "yellow")]
    path = draft(RK, "3", RED_RESOLUTION)

    code, listed, _ = _run(capsys, "publish", str(path), "--dry-run")
    assert code == 0 and "dry run: nothing stored" in listed
    assert not PolicyVersion.objects.filter(version="3").exists()
    code, moved, _ = _run(capsys, "publish", str(path), "--apply-open", "--by", "Pat")

    assert code == 0
    lines = [line for line in listed.splitlines() if line.startswith("  #")]
    assert lines == [line for line in moved.splitlines() if line.startswith("  #")]
    assert len(lines) == 2 and "resolution: running, due" in lines[0]
    assert "would move 2 open ticket(s) to version 3" in listed
    assert "moved 2 open ticket(s) to version 3" in moved
    assert {t.policy_version.version for t in Ticket.objects.filter(
        pk__in=[t.pk for t in tickets])} == {"3"}
    assert TicketEvent.objects.filter(kind="policy_version_applied").count() == 2


def test_apply_applies_the_version_in_force_once_it_takes_effect(policy_dir, draft, capsys,
                                                                 at_now):
    org = organisation(RK)
    ticket = open_ticket(org, contact(org, role="administrator"), at=T0, priority="red")
    later = NOW + timedelta(days=1)
    _run(capsys, "publish", str(draft(RK, "3", RED_RESOLUTION)), "--effective",
         later.isoformat())

    _, before, _ = _run(capsys, "apply", RK, "--dry-run")
    at_now.at = later
    _, dry, _ = _run(capsys, "apply", RK, "--dry-run")
    digest = dry.split("(plan ")[1].split(")")[0]
    code, out, _ = _run(capsys, "apply", RK, "--expect", digest)

    assert "version 2 in force" in before and "would move 0 open ticket(s)" in before
    assert code == 0 and "moved 1 open ticket(s) to version 3" in out
    assert Ticket.objects.get(pk=ticket.pk).policy_version.version == "3"


def test_a_file_named_after_no_policy_is_refused(policy_dir, draft, tmp_path, capsys, at_now):
    renamed = tmp_path / f"{RK}-v3.toml"
    renamed.write_text(draft(RK, "3", RED_RESOLUTION).read_text())

    code, _, err = _run(capsys, "publish", str(renamed))

    assert code == 1
    assert err.startswith(f"{renamed}: no support policy named '{RK}-v3'")
    assert not PolicyVersion.objects.exists()
