"""The doors that check a password, driven through Django's test client and the real URLs."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.pages import PASSWORD

REFUSED = "Too many failed sign-in attempts"


def portal(client, identifier, password=PASSWORD, **extra):
    return client.post("/portal/sign-in/", {"identifier": identifier, "password": password},
                       **extra)


def console(client, identifier, password=PASSWORD, **extra):
    return client.post("/console/sign-in/", {"identifier": identifier, "password": password},
                       **extra)


def admin(client, username, password=PASSWORD, **extra):
    return client.post("/admin/login/", {"username": username, "password": password,
                                         "next": "/admin/"}, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302


def superuser(username="root", email="root@example.com"):
    return get_user_model().objects.create_superuser(username, email, PASSWORD)
