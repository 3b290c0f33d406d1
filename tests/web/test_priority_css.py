"""The priority colours stylesheet answers while the shared cache (Redis, with REDIS_URL) is
down: it is computed without the cache rather than failing the page's CSS with a 500."""

import pytest

from pledgedesk.versions.policies import policy_version_current
from tests.factories import T0
from tests.pages import FG
from tests.signin.stores import closed_port_url

pytestmark = pytest.mark.django_db


def test_the_colours_are_served_while_the_cache_is_down(client, settings):
    policy_version_current(FG, now=T0)  # records FG's policy version
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": closed_port_url()}}

    response = client.get("/priority-colours.css")

    assert response.status_code == 200
    assert b"--prio:" in response.content
