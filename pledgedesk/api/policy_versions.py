"""A policy's versions over the API (issue 18, PR-9): the version in force for an
organisation, the earlier ones and those published to come, each with what changed for the
customer (``publishing.selectors``, from the compiled policies). Agents read any
organisation's; a contact reads their own organisation's only, as on the portal's policy page
(any contact may read it). Publishing stays with the CLI and admin."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Router
from pydantic import Field

from pledgedesk.accounts.models import Organisation
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.errors import NotFound
from pledgedesk.publishing import selectors
from pledgedesk.publishing.selectors import VersionEntry

router = Router(tags=["policy"])
OrgId = Annotated[int, Path(ge=1, le=s.MAX_ID)]


class ChangeOut(s.Out):
    area: str = Field(description="targets, hours, holidays, channels, priorities or scope.")
    text: str = Field(description="What changed, in the policy's words.")


class VersionOut(s.Out):
    version: str = Field(description="The policy's own version number.")
    effective_at: s.Instant
    published_at: s.Instant | None = Field(description="None for a file read before PR-9 "
                                                       "publishing, or never published.")
    changes: list[ChangeOut] = Field(description="Against the version before it; empty for "
                                                 "the first one.")


class ChangelogOut(s.Out):
    policy: str = Field(description="The policy's key.")
    in_force: VersionOut
    earlier: list[VersionOut] = Field(description="Newest first.")
    upcoming: list[VersionOut] = Field(description="Published, not yet in force; soonest "
                                                   "first.")


@router.get("/organisations/{org_id}/policy/versions",
            response={200: ChangelogOut, **s.ERRORS},
            summary="The organisation's policy: the version in force, earlier and upcoming "
                    "versions with what changed (PR-9)")
def changelog(request, org_id: OrgId):
    caller = caller_of(request)
    principal = caller.principal
    if principal.is_agent:
        org = Organisation.objects.filter(pk=org_id).first()
    elif principal.contact is not None and principal.contact.organisation_id == org_id:
        org = principal.contact.organisation
    else:
        org = None
    if org is None:
        raise NotFound("no such organisation", field="org_id")
    log = selectors.organisation_changelog(organisation=org, now=caller.now)
    return ChangelogOut(policy=log.key, in_force=_version(log.in_force),
                        earlier=[_version(e) for e in log.earlier],
                        upcoming=[_version(e) for e in log.upcoming])


def _version(entry: VersionEntry) -> VersionOut:
    v = entry.version
    return VersionOut(version=v.version, effective_at=v.effective_at,
                      published_at=v.published_at,
                      changes=[ChangeOut(area=c.area, text=c.text) for c in entry.changes])
