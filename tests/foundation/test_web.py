"""The Django project, in process: settings from the environment, headers, hashing."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connection


def test_tests_run_on_the_database_ci_asked_for():
    wanted = os.environ.get("PLEDGEDESK_TEST_REQUIRE_DB")

    assert connection.vendor == (wanted or connection.vendor)


@pytest.mark.django_db
def test_healthz_queries_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == connection.vendor
    assert "no-store" in response["Cache-Control"]


def test_home_page_sends_security_headers(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_home_page_refuses_unsafe_methods(client):
    assert client.post("/").status_code == 405


def test_csrf_is_enforced():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = get_user_model().objects.create_user("agent", password="a long enough passphrase")

    assert user.password.startswith("argon2")
    assert user.check_password("a long enough passphrase")


def test_settings_come_from_the_environment(settings):
    assert str(settings.DATA_DIR) == os.environ["PLEDGEDESK_DATA_DIR"]
    assert settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql" if os.environ.get("DATABASE_URL") else "sqlite3"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["ticket", "ticketevent", "slatimer", "organisation", "contact"])
def test_staff_admin_lists_open(admin_client, model):
    app = "accounts" if model in ("organisation", "contact") else "tickets"

    response = admin_client.get(f"/admin/{app}/{model}/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_ticket_history_cannot_be_edited_in_admin(admin_client):
    assert admin_client.get("/admin/tickets/ticketevent/add/").status_code == 403
