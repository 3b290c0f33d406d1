"""Ten sessions of one primary contact adding the same new person at once, on real separate
connections: one adds them, the other nine get the same clear refusal as the check before the
insert (issue 13: a unique violation on the email was a 500), and nothing is half-written."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from pledgedesk.accounts.models import Contact, ContactEmail
from pledgedesk.accounts.services import contact_add
from pledgedesk.errors import InvalidInput
from tests.factories import T0, contact, organisation

SESSIONS = 10
EMAIL = "Newcomer@Example.com"


@pytest.mark.django_db(transaction=True)
def test_the_same_person_added_at_once_is_added_once_and_refused_clearly_otherwise():
    org = organisation("fax-server-24x7")
    primary = contact(org, role="primary")
    users_before = get_user_model().objects.count()
    start = threading.Barrier(SESSIONS)
    outcomes: list[str] = []

    def add(n: int):
        try:
            start.wait(timeout=10)
            # Differently cased, as people type it: the address is unique case-insensitively.
            contact_add(organisation=org, by=primary, name=f"Newcomer {n}",
                        email=EMAIL.lower() if n % 2 else EMAIL, now=T0)
            outcomes.append("added")
        except InvalidInput as exc:
            assert exc.field == "email"
            assert "already belongs to a contact" in exc.message
            outcomes.append("refused")
        except Exception as exc:  # a 500 at the door: what this test is about
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["added"] + ["refused"] * (SESSIONS - 1)
    assert ContactEmail.objects.filter(address__iexact=EMAIL).count() == 1
    assert Contact.objects.filter(organisation=org).count() == 2  # the primary and the newcomer
    assert get_user_model().objects.count() == users_before + 1  # no orphaned login
