"""Every door that checks a password (portal, console, Django admin, password reset) goes
through one limiter, keyed on the account the identifier names, not on the text typed."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from pledgedesk.accounts.models import ContactEmail
from tests.pages import FG, PASSWORD, email_of, organisation, person, staff
from tests.signin import doors

pytestmark = pytest.mark.django_db


def test_admin_login_refuses_the_right_password_after_five_failures(client, at_now):
    doors.superuser()
    for _ in range(5):
        assert not doors.signed_in(doors.admin(client, "root", "wrong"))

    response = doors.admin(client, "root")

    assert not doors.signed_in(response)
    assert doors.REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_still_signs_in_with_the_right_password(client, at_now):
    doors.superuser()

    assert not doors.signed_in(doors.admin(client, "root", "wrong"))
    assert doors.signed_in(doors.admin(client, "root"))


def test_failures_at_the_admin_count_at_the_console(client, at_now):
    maria = staff()
    maria.user.is_staff = True
    maria.user.save()
    for _ in range(3):
        doors.admin(client, maria.user.username, "wrong")
    for _ in range(2):
        doors.console(client, maria.user.username, "wrong")

    response = doors.console(client, maria.user.username)

    assert response.status_code == 400
    assert doors.REFUSED in response.content.decode()


def test_an_agent_guessed_by_username_and_by_email_has_one_counter(client, at_now):
    maria = staff()
    maria.user.email = "maria@desk.example"
    maria.user.save()
    for identifier in ("maria@desk.example", maria.user.username, " MARIA@desk.example ",
                       maria.user.username.upper(), "Maria@Desk.Example"):
        doors.console(client, identifier, "wrong")

    response = doors.console(client, maria.user.username)

    assert doors.REFUSED in response.content.decode()


def test_a_username_in_another_case_names_the_same_agent(client, at_now):
    maria = staff()

    assert doors.signed_in(doors.console(client, f"  {maria.user.username.upper()} "))


def test_a_contact_with_two_addresses_has_one_counter(client, at_now):
    alice = person(organisation(FG))
    ContactEmail.objects.create(contact=alice, address="alice.two@example.com")
    for identifier in (email_of(alice), "alice.two@example.com") * 2 + ("ALICE.TWO@example.com",):
        doors.portal(client, identifier, "wrong")

    assert doors.REFUSED in doors.portal(client, email_of(alice)).content.decode()


def test_an_unknown_identifier_is_limited_like_a_known_one(client, at_now):
    # Five guesses at a name nobody has, typed in any case and spacing, then the sixth is
    # refused exactly as it would be for a real account: the lock cannot tell them apart.
    for identifier in ("ghost@example.com", "GHOST@example.com", " ghost@example.com",
                       "Ghost@Example.com ", "ghost@EXAMPLE.com"):
        doors.portal(client, identifier, "wrong")

    assert doors.REFUSED in doors.portal(client, "ghost@example.com").content.decode()


def test_a_success_clears_the_account_counter_at_every_door(client, at_now):
    maria = staff()
    maria.user.is_staff = True
    maria.user.save()
    for _ in range(4):
        doors.admin(client, maria.user.username, "wrong")
    assert doors.signed_in(doors.console(Client(), maria.user.username))

    for _ in range(4):
        doors.admin(client, maria.user.username, "wrong")

    assert doors.signed_in(doors.admin(Client(), maria.user.username))


def test_password_reset_counts_one_account_whatever_address_is_typed(client, at_now):
    alice = person(organisation(FG))
    ContactEmail.objects.create(contact=alice, address="alice.two@example.com")

    for identifier in (email_of(alice), "alice.two@example.com") * 3 + ("ALICE.two@example.com",):
        client.post("/portal/password-reset/", {"email": identifier})

    assert len(mail.outbox) == 5


def test_password_reset_requests_do_not_lock_the_account_out_of_sign_in(client, at_now):
    alice = person(organisation(FG))
    for _ in range(7):
        client.post("/portal/password-reset/", {"email": email_of(alice)})

    assert doors.signed_in(doors.portal(client, email_of(alice)))


def test_the_superuser_password_is_the_one_checked(at_now):
    # The admin door uses Django's own authentication: a wrong user name is not signed in as
    # anyone, whatever the password.
    doors.superuser()
    get_user_model().objects.create_user("other", password=PASSWORD)

    assert not doors.signed_in(doors.admin(Client(), "nobody-here"))
    assert not doors.signed_in(doors.admin(Client(), "other"))  # not staff
