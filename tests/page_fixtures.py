"""Fixtures every suite that signs people in through pages uses (portal, console, sign-in,
browser): imported by those directories' conftest.py, defined once here."""

import pytest

from tests.pages import FAST_HASHERS, fixed_clock
from tests.signin.stores import REDIS_URL, forget_redis_counters


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def at_now():
    with fixed_clock() as fixed:
        yield fixed


@pytest.fixture(autouse=True)
def _no_sign_in_counters_from_other_tests():
    # The database rolls back after each test; Redis does not (only when REDIS_URL is set).
    forget_redis_counters(REDIS_URL)
