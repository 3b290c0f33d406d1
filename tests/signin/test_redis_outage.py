"""REDIS_URL set but Redis unreachable while the desk runs: sign-in keeps working and keeps
its limits, counted in the database instead."""

import pytest

from tests.pages import FG, email_of, organisation, person
from tests.signin import doors
from tests.signin.stores import closed_port_url, use_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    url = closed_port_url()
    use_redis(settings, url)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": url}}
    return url


def test_sign_in_works_while_redis_is_down(client, redis_down, at_now):
    alice = person(organisation(FG))

    assert doors.signed_in(doors.portal(client, email_of(alice)))


def test_the_account_limit_still_holds_while_redis_is_down(client, redis_down, at_now):
    alice = person(organisation(FG))
    for _ in range(5):
        assert doors.portal(client, email_of(alice), "wrong").status_code == 400

    response = doors.portal(client, email_of(alice))

    assert doors.REFUSED in response.content.decode()


def test_the_admin_and_password_reset_work_while_redis_is_down(client, redis_down, at_now):
    from django.core import mail

    doors.superuser()
    alice = person(organisation(FG))

    assert doors.signed_in(doors.admin(client, "root"))
    assert client.post("/portal/password-reset/", {"email": email_of(alice)}).status_code == 302
    assert len(mail.outbox) == 1
