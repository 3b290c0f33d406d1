"""Failures from one client address slow that address down (a progressive delay, waited on
the injected clock) instead of refusing right passwords; the address is the peer's, or the one
a configured trusted proxy forwarded."""

from datetime import timedelta
from ipaddress import ip_network

import pytest
from django.test import Client, RequestFactory

from pledgedesk.web import ratelimit
from pledgedesk.web.signin import client_address
from tests.pages import FG, email_of, organisation, person
from tests.signin import doors

pytestmark = pytest.mark.django_db


def _fail(client, count, *, start=0, **extra) -> list[timedelta]:
    """``count`` wrong guesses at names nobody has; how long each one was made to wait."""
    from pledgedesk import clock

    waits = []
    for n in range(start, start + count):
        before = clock.current()
        doors.portal(client, f"guess{n}@example.com", "wrong", **extra)
        waits.append(clock.current() - before)
    return waits


def test_thirty_failures_from_an_address_do_not_refuse_a_right_password(client, at_now):
    alice = person(organisation(FG))
    _fail(client, 30)
    before = at_now.now()

    response = doors.portal(client, email_of(alice))

    assert doors.signed_in(response)
    assert at_now.now() - before > timedelta(0)  # it was made to wait first


def test_the_delay_starts_late_grows_and_has_a_ceiling(client, at_now):
    waits = _fail(client, 60)

    assert waits[:ratelimit.FREE_FAILURES] == [timedelta(0)] * ratelimit.FREE_FAILURES
    assert waits == sorted(waits)
    assert timedelta(0) < waits[ratelimit.FREE_FAILURES] < waits[30] < waits[-1]
    assert waits[-1] == ratelimit.MAX_DELAY


def test_another_address_is_not_slowed_down(client, at_now):
    alice = person(organisation(FG))
    _fail(client, 40)
    before = at_now.now()

    assert doors.signed_in(doors.portal(Client(REMOTE_ADDR="10.9.9.9"), email_of(alice)))
    assert at_now.now() == before


def test_the_delay_ends_with_the_window(client, at_now):
    _fail(client, 40)
    at_now.advance(minutes=16)

    assert _fail(client, 1, start=40) == [timedelta(0)]


def test_the_admin_door_slows_the_same_address(client, at_now):
    doors.superuser()
    for _ in range(3):
        for n in range(10):
            doors.admin(client, f"guess{n}", "wrong")
    alice = person(organisation(FG))
    before = at_now.now()

    assert doors.signed_in(doors.portal(client, email_of(alice)))
    assert at_now.now() > before


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings, at_now):
    settings.PLEDGEDESK_TRUSTED_PROXIES = ()
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(30):
        _fail(proxy, 1, start=n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert _fail(proxy, 1, start=99, HTTP_X_FORWARDED_FOR="198.51.100.2")[0] > timedelta(0)


def test_behind_a_trusted_proxy_each_client_has_its_own_delay(settings, at_now):
    settings.PLEDGEDESK_TRUSTED_PROXIES = (ip_network("10.0.0.0/24"),)
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    alice = person(organisation(FG))
    _fail(proxy, 30, HTTP_X_FORWARDED_FOR="203.0.113.7")
    before = at_now.now()

    response = doors.portal(proxy, email_of(alice), HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert doors.signed_in(response)
    assert at_now.now() == before
    assert _fail(proxy, 1, start=99, HTTP_X_FORWARDED_FOR="203.0.113.7")[0] > timedelta(0)


def _address(remote, forwarded=None, trusted=()):
    from django.test import override_settings

    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(PLEDGEDESK_TRUSTED_PROXIES=tuple(ip_network(t) for t in trusted)):
        return client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(("remote", "forwarded", "trusted", "expected"), [
    ("192.0.2.1", "203.0.113.7", (), "192.0.2.1"),  # nobody trusted: header ignored
    ("10.0.0.1", "203.0.113.7", ("10.0.0.1",), "203.0.113.7"),
    ("10.0.0.1", "198.51.100.2, 203.0.113.7", ("10.0.0.1",), "203.0.113.7"),  # spoofed left
    ("10.0.0.1", "203.0.113.7, 10.0.0.2", ("10.0.0.0/24",), "203.0.113.7"),  # two proxies
    ("10.0.0.1", "10.0.0.3, 10.0.0.2", ("10.0.0.0/24",), "10.0.0.3"),  # all ours: the first
    ("10.0.0.1", "junk, 203.0.113.7", ("10.0.0.1",), "203.0.113.7"),
    ("10.0.0.1", "junk", ("10.0.0.1",), "10.0.0.1"),  # unreadable: the proxy itself
    ("10.0.0.1", "", ("10.0.0.1",), "10.0.0.1"),
    ("10.0.0.1", None, ("10.0.0.1",), "10.0.0.1"),
    ("::ffff:10.0.0.1", "2001:db8::7", ("10.0.0.1",), "2001:db8::7"),  # mapped IPv4 peer
    ("192.0.2.1", "203.0.113.7", ("10.0.0.1",), "192.0.2.1"),  # peer is not our proxy
])
def test_client_address(remote, forwarded, trusted, expected):
    assert _address(remote, forwarded, trusted) == expected
