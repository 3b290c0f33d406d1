from tests.api.conftest import fast_passwords, fixed_clock, world  # noqa: F401 (fixtures)
from tests.page_fixtures import (  # noqa: F401 (fixtures, found by name)
    _fast_hashing,
    _no_sign_in_counters_from_other_tests,
    at_now,
)
