import pytest

from tests.pages import FAST_HASHERS, fixed_clock


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def at_now():
    with fixed_clock() as fixed:
        yield fixed
