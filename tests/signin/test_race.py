"""Forty parallel guesses at one account, on forty real connections, through the real views:
at most five passwords are checked (the attempt is counted atomically before the check)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from tests.pages import FG, PASSWORD, email_of, organisation, person, staff
from tests.signin import doors
from tests.signin.hashers import CountingHasher
from tests.signin.stores import (  # noqa: F401 (race_redis_url: a fixture)
    forget_redis_counters,
    race_redis_url,
    use_redis,
)

GUESSES = 40


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    url = request.getfixturevalue("race_redis_url") if request.param == "redis" else None
    use_redis(settings, url)
    if url:
        forget_redis_counters(url)
    yield request.param
    if url:
        forget_redis_counters(url)


@pytest.fixture
def counting(settings):
    settings.PASSWORD_HASHERS = ["tests.signin.hashers.CountingHasher"]
    CountingHasher.checks = 0
    return CountingHasher


def _portal_target():
    alice = person(organisation(FG))
    return doors.portal, email_of(alice)


def _console_target():
    return doors.console, staff().user.username


def _admin_target():
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    return doors.admin, "root"


TARGETS = {"portal": _portal_target, "console": _console_target, "admin": _admin_target}


def _guess_in_parallel(door, identifier) -> list[int]:
    start = threading.Barrier(GUESSES)
    statuses: list[int] = []

    def guess(n):
        try:
            client = Client()
            start.wait(timeout=30)
            statuses.append(door(client, identifier, f"wrong {n}").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", sorted(TARGETS))
def test_forty_parallel_guesses_check_at_most_five_passwords(where, store, counting, at_now):
    door, identifier = TARGETS[where]()
    counting.checks = 0

    statuses = _guess_in_parallel(door, identifier)

    assert len(statuses) == GUESSES
    assert 500 not in statuses
    assert 1 <= counting.checks <= 5, f"{counting.checks} passwords checked at the {where}"
    assert not doors.signed_in(door(Client(), identifier))  # the right one is refused now
    assert counting.checks <= 5
