from tests.signin.stores import race_redis_url  # noqa: F401 (a fixture, found by name)
