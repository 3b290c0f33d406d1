"""403, 404 and 500 are the desk's own styled pages (issue 16), never Django's unstyled
defaults and never a traceback."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

from pledgedesk.api.errors import server_error
from tests.pages import staff

pytestmark = pytest.mark.django_db


def styled(html: str) -> bool:
    return "web/desk.css" in html and 'class="error-page card"' in html


def test_a_missing_ticket_is_the_styled_404(client):
    client.force_login(staff().user)

    response = client.get("/console/tickets/987654/")

    assert response.status_code == 404
    assert styled(response.content.decode())
    assert "We could not find that page" in response.content.decode()


def test_an_unknown_address_is_the_styled_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert styled(response.content.decode())


def test_a_server_error_page_is_styled_and_says_nothing_of_the_failure():
    request = RequestFactory().get("/console/")
    try:
        raise RuntimeError("secret-host.internal:5432 refused")
    except RuntimeError:
        response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert styled(html) and "Something went wrong on our side" in html
    assert "secret-host" not in html and "Traceback" not in html


def test_a_forbidden_page_is_styled():
    request = RequestFactory().get("/console/")

    response = defaults.permission_denied(request, PermissionDenied("nope"))

    assert response.status_code == 403
    assert styled(response.content.decode())


def test_an_expired_form_is_the_styled_csrf_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/console/sign-in/", {"identifier": "x", "password": "y"})

    assert response.status_code == 403
    html = response.content.decode()
    assert styled(html) and "This form has expired" in html
