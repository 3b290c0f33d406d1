"""The API's upload route under the same limits as the pages' forms (issue 13): refused on its
declared length before the body is read, and read no further than the attachment limit."""

from __future__ import annotations

import pytest

from pledgedesk.tickets.models import Attachment
from tests.streaming import MiB, StreamedBody

pytestmark = pytest.mark.django_db

LIMIT = 1 * MiB


@pytest.fixture(autouse=True)
def _small_attachments(settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = LIMIT


def post(world, body: StreamedBody, *, declared):
    api = world.api("requester")
    return api.client.generic(
        "POST", f"/api/v1/tickets/{world.ticket.number}/attachments",
        headers={"Authorization": f"Bearer {api.token}"}, **body.environ(declared=declared))


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(world):
    body = StreamedBody({}, file_field="file", file_bytes=300 * MiB)

    response = post(world, body, declared=body.length)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["field"] == "file"
    assert body.read_bytes == 0


def test_a_file_over_the_limit_stops_being_read_at_the_limit(world):
    # Declared as one attachment's worth, but the file alone is over the limit.
    body = StreamedBody({}, file_field="file", file_bytes=LIMIT + 20 * 1024)

    response = post(world, body, declared=body.length)

    assert response.status_code == 413, response.content
    assert f"attachment limit of {LIMIT} bytes" in response.json()["message"]
    assert body.read_bytes < LIMIT + 128 * 1024
    assert not Attachment.objects.exists()


def test_an_anonymous_upload_is_refused_before_its_body_is_read(world):
    body = StreamedBody({}, file_field="file", file_bytes=LIMIT // 2)

    response = world.api("anonymous").client.generic(
        "POST", f"/api/v1/tickets/{world.ticket.number}/attachments",
        **body.environ(declared=body.length))

    assert response.status_code == 401
    assert body.read_bytes == 0
