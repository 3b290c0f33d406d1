"""FG-12's engagement documents (quote, signed quote with PO, statement of work), issue 17:
downloaded by agents (console, API) and by the organisation's own primary contact (portal,
API) through the engagement's one permission check, always as attachments (nosniff, the
sandboxed CSP of every attachment), never another organisation's; uploads refused on their
declared length before a byte is read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.proservices.engagements import Facts, engagement_move, engagement_request
from pledgedesk.proservices.models import EngagementDocument, EngagementMove
from pledgedesk.tickets.services import Actor
from tests.api.conftest import Api, token_for
from tests.pages import FG, NOW, T0, organisation, person, staff
from tests.streaming import MiB, StreamedBody

pytestmark = pytest.mark.django_db
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def quoted(at_now):
    """An FG engagement quoted with an SVG "quote" (hostile if ever rendered), and another
    organisation's, quoted too."""
    pm = staff(roles=("project_manager",), name="Pam Manager")
    made = []
    for name in ("Fax Co", "Other Co"):
        org = organisation(FG, name=name, timezone="America/Chicago", country="US")
        primary = person(org, role="primary")
        e = engagement_request(organisation=org, kind="upgrade", title=f"{name} upgrade",
                               ticket=None, actor=Actor(channel="web", agent=pm), now=T0)
        e = engagement_move(engagement=e, to_stage="quoted", actor=Actor(channel="web", agent=pm),
                            facts=Facts(document=SimpleUploadedFile("quote.svg", SVG)),
                            expected_version=None, now=NOW)
        made.append((org, primary, e, EngagementDocument.objects.get(engagement=e)))
    return pm, made[0], made[1]


def assert_safe_download(response, body=SVG, name="quote.svg"):
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    assert response["Content-Disposition"].startswith("attachment;")
    assert name in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_fg12_console_lists_and_downloads_for_agents_only(client, quoted):
    pm, (_org, primary, mine, doc), _theirs = quoted
    client.force_login(pm.user)
    page = client.get(f"/console/engagements/{mine.pk}/").content.decode()
    url = f"/console/engagements/{mine.pk}/documents/{doc.pk}/"
    assert f'href="{url}"' in page and "quote.svg" in page and "Quoted" in page
    assert_safe_download(client.get(url))
    assert client.get(f"/console/engagements/{mine.pk}/documents/999999/").status_code == 404
    client.force_login(primary.user)
    assert client.get(url).status_code in (302, 403, 404)  # the console is not theirs


def test_fg12_portal_primary_contact_downloads_their_own_only(client, quoted):
    _pm, (org, primary, mine, doc), (_o, _p, theirs, their_doc) = quoted
    client.force_login(primary.user)
    page = client.get(f"/portal/engagements/{mine.pk}/").content.decode()
    url = f"/portal/engagements/{mine.pk}/documents/{doc.pk}/"
    assert f'href="{url}"' in page
    assert_safe_download(client.get(url))
    # Another organisation's, by its own address or smuggled under this engagement: a 404.
    assert client.get(f"/portal/engagements/{theirs.pk}/documents/{their_doc.pk}/"
                      ).status_code == 404
    assert client.get(f"/portal/engagements/{mine.pk}/documents/{their_doc.pk}/"
                      ).status_code == 404
    client.force_login(person(org).user)  # a colleague who is not the primary contact
    assert client.get(url).status_code == 404


def test_fg12_the_signed_quote_from_the_portal_is_downloadable_by_the_agent(client, quoted):
    pm, (_org, primary, mine, _doc), _theirs = quoted
    client.force_login(primary.user)
    sent = client.post(f"/portal/engagements/{mine.pk}/", {
        "stage": "quote_signed", "version": str(mine.version), "po_number": "PO-7",
        "document": SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")})
    assert sent.status_code == 302
    signed = EngagementDocument.objects.get(engagement=mine, stage="quote_signed")
    api = Api(token_for(pm.user))
    listed = api.get(f"engagements/{mine.pk}").json()["documents"]
    assert [(d["stage"], d["stage_label"], d["filename"]) for d in listed] == [
        ("quoted", "Quoted", "quote.svg"),
        ("quote_signed", "Quote signed with purchase order", "signed.pdf")]
    assert_safe_download(api.client.get(listed[1]["download_url"],
                                        headers={"Authorization": f"Bearer {api.token}"}),
                         body=b"%PDF-1.4 signed", name="signed.pdf")
    assert listed[1]["download_url"] == \
        f"/api/v1/engagements/{mine.pk}/documents/{signed.pk}"


def test_fg12_api_primary_contact_gets_theirs_and_never_another_organisations(quoted):
    _pm, (_org, primary, mine, doc), (_o, other_primary, theirs, their_doc) = quoted
    api = Api(token_for(primary.user))
    assert_safe_download(api.get(f"engagements/{mine.pk}/documents/{doc.pk}"))
    for path in (f"engagements/{theirs.pk}/documents/{their_doc.pk}",
                 f"engagements/{mine.pk}/documents/{their_doc.pk}"):
        refused = api.get(path)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert Api(None).get(f"engagements/{mine.pk}/documents/{doc.pk}").status_code == 401
    assert Api(token_for(other_primary.user)).get(
        f"engagements/{mine.pk}/documents/{doc.pk}").status_code == 404


LIMIT = 1 * MiB


@pytest.mark.parametrize("door", ["api", "portal", "console", "admin"])
def test_an_upload_declared_over_the_limit_is_refused_before_it_is_read(client, quoted,
                                                                         settings, door):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = LIMIT
    pm, (_org, primary, mine, _doc), _theirs = quoted
    body = StreamedBody({"stage": "quote_signed", "po_number": "PO-1"}, file_field="document",
                        file_bytes=300 * MiB)
    if door == "api":
        path, headers = f"/api/v1/engagements/{mine.pk}/moves", {
            "Authorization": f"Bearer {token_for(primary.user)}"}
    elif door == "admin":
        pm.user.is_staff = pm.user.is_superuser = True
        pm.user.save()
        client.force_login(pm.user)
        path, headers = f"/admin/proservices/engagement/{mine.pk}/move/", {}
    else:
        client.force_login((primary if door == "portal" else pm).user)
        path, headers = f"/{door}/engagements/{mine.pk}/", {}
    response = client.generic("POST", path, headers=headers,
                              **body.environ(declared=body.length))
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert not EngagementMove.objects.filter(engagement=mine, to_stage="quote_signed").exists()
