from tests.page_fixtures import (  # noqa: F401 (fixtures, found by name)
    _fast_hashing,
    _no_sign_in_counters_from_other_tests,
    at_now,
)
