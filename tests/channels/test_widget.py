"""The embeddable widget's services (PR-1): settings, origins, the host token, the widget
session, and filing through ``ticket_create``."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from pledgedesk.accounts.models import ContactEmail
from pledgedesk.accounts.services import contact_ban
from pledgedesk.channels import widget as w
from pledgedesk.channels.models import WidgetSettings
from pledgedesk.errors import Conflict, IntakeRefused, InvalidInput, NotFound, PermissionDenied
from pledgedesk.tickets.models import Ticket, TicketRefusal
from tests.channels.widget_helpers import host_token
from tests.factories import agent, contact, organisation
from tests.pages import FG, NOW, PR, RK, email_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return agent(roles=("administrator",))


@pytest.fixture
def pr(admin):
    """A PR organisation (in-product ticketing, PR-1) with one contact and its widget."""
    org = organisation(PR, timezone="Europe/Berlin", country="DE")
    ana = contact(org, name="Ana Admin")
    issued = w.widget_create(agent=admin, organisation=org, origins=["https://app.example.com"],
                             now=NOW)
    return org, ana, issued


def verify(widget, token, at=NOW):
    return w.widget_token_verify(public_id=widget.public_id, token=token, now=at)


# --- settings ---------------------------------------------------------------------------------


def test_create_generates_a_secret_shown_once_and_stored_for_verification(pr):
    org, _, issued = pr

    stored = WidgetSettings.objects.get(organisation=org)

    assert issued.secret.startswith("pdw_") and len(issued.secret) >= 40
    assert stored.secret == issued.secret  # HMAC needs the key itself
    assert issued.secret not in str(stored) and issued.secret not in repr(stored)
    assert stored.origins == ["https://app.example.com"]
    assert len(stored.public_id) >= 16


def test_a_second_widget_for_one_organisation_is_a_conflict(pr, admin):
    org, _, _ = pr
    with pytest.raises(Conflict) as refused:
        w.widget_create(agent=admin, organisation=org, origins=[], now=NOW)
    assert refused.value.field == "organisation"


@pytest.mark.parametrize("roles", [("engineer",), ("support_lead",)])
def test_only_administrators_change_widget_settings(pr, roles):
    org, _, _ = pr
    someone = agent(roles=roles)
    for act in (lambda: w.widget_set_origins(agent=someone, organisation=org, origins=[],
                                             now=NOW),
                lambda: w.widget_rotate_secret(agent=someone, organisation=org, now=NOW),
                lambda: w.widget_of(agent=someone, organisation=org),
                lambda: w.widget_create(agent=None, organisation=org, origins=[], now=NOW)):
        with pytest.raises(PermissionDenied):
            act()


def test_an_inactive_administrator_cannot_change_settings(pr, admin):
    org, _, _ = pr
    admin.active = False
    with pytest.raises(PermissionDenied):
        w.widget_set_origins(agent=admin, organisation=org, origins=[], now=NOW)


def test_setting_origins_of_an_organisation_without_a_widget_is_not_found(admin):
    org = organisation(PR)
    with pytest.raises(NotFound):
        w.widget_set_origins(agent=admin, organisation=org, origins=[], now=NOW)


def test_origins_are_normalised_deduplicated_and_sorted():
    assert w.origins_clean([
        "https://App.Example.com/", "https://app.example.com:443", "http://localhost:8000",
        "https://b.example.com:8443", "http://127.0.0.1", "http://[::1]:3000",
        "https://bücher.example",
    ]) == ["http://127.0.0.1", "http://[::1]:3000", "http://localhost:8000",
           "https://app.example.com", "https://b.example.com:8443",
           "https://xn--bcher-kva.example"]


@pytest.mark.parametrize(("value", "why"), [
    ("https://app.example.com/support", "path"),
    ("https://app.example.com?x=1", "path, query or fragment"),
    ("https://app.example.com#top", "path, query or fragment"),
    ("https://*.example.com", "wildcards"),
    ("*", "wildcards"),
    ("http://app.example.com", "http is only for loopback"),
    ("ftp://app.example.com", "needs https://"),
    ("app.example.com", "needs https://"),
    ("https://user:pw@app.example.com", "user name"),
    ("https://app..example.com", "invalid host"),
    ("https://app.example.com:99999", "Port out of range"),
    ("javascript:alert(1)", "needs https://"),
    ("", "is empty"),
])
def test_a_bad_origin_is_refused_naming_its_entry(value, why):
    with pytest.raises(InvalidInput) as refused:
        w.origins_clean(["https://ok.example.com", value])
    assert refused.value.field == "origins.1"
    assert why in refused.value.message


def test_too_many_origins_or_a_string_are_refused():
    with pytest.raises(InvalidInput):
        w.origins_clean([f"https://h{i}.example.com" for i in range(w.MAX_ORIGINS + 1)])
    with pytest.raises(InvalidInput) as refused:
        w.origins_clean("https://app.example.com")
    assert refused.value.field == "origins"


def test_nothing_is_written_when_an_origin_is_bad(pr, admin):
    org, _, _ = pr
    with pytest.raises(InvalidInput):
        w.widget_set_origins(agent=admin, organisation=org,
                             origins=["https://new.example.com", "https://x/path"], now=NOW)
    assert WidgetSettings.objects.get(organisation=org).origins == ["https://app.example.com"]


# --- the host token ------------------------------------------------------------------------------


def test_a_valid_token_names_the_contact(pr):
    org, ana, issued = pr
    user = verify(issued.widget, host_token(issued.widget, issued.secret,
                                            email=email_of(ana).upper(), at=NOW, name="Ana"))
    assert user.contact == ana and user.widget.organisation == org
    assert user.name == "Ana"
    assert user.expires_at == NOW + timedelta(minutes=10)


def test_a_token_signed_with_another_key_is_refused(pr):
    _, ana, issued = pr
    forged = host_token(issued.widget, "pdw_a-guessed-key-of-forty-characters-or-so",
                        email=email_of(ana), at=NOW)
    with pytest.raises(w.WidgetRefused, match="signature does not match"):
        verify(issued.widget, forged)


def test_a_tampered_payload_is_refused(pr):
    _, ana, issued = pr
    other = contact(issued.widget.organisation)
    header, _, signature = host_token(issued.widget, issued.secret, email=email_of(ana),
                                      at=NOW).split(".")
    swapped = host_token(issued.widget, "y" * 40, email=email_of(other), at=NOW).split(".")[1]
    with pytest.raises(w.WidgetRefused, match="signature"):
        verify(issued.widget, f"{header}.{swapped}.{signature}")


@pytest.mark.parametrize("alg", ["none", "HS512"])
def test_only_hs256_is_accepted(pr, alg):
    _, ana, issued = pr
    body = {"aud": issued.widget.public_id, "email": email_of(ana),
            "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}
    token = jwt.encode(body, None if alg == "none" else issued.secret * 2, algorithm=alg)
    with pytest.raises(w.WidgetRefused, match="only HS256"):
        verify(issued.widget, token)


def test_an_expired_token_is_refused(pr):
    _, ana, issued = pr
    token = host_token(issued.widget, issued.secret, email=email_of(ana), at=NOW)
    assert verify(issued.widget, token, at=NOW + timedelta(minutes=9, seconds=59))
    with pytest.raises(w.WidgetRefused, match="expired"):
        verify(issued.widget, token, at=NOW + timedelta(minutes=10))


def test_a_token_living_longer_than_an_hour_is_refused(pr):
    _, ana, issued = pr
    token = host_token(issued.widget, issued.secret, email=email_of(ana), at=NOW,
                       lifetime=timedelta(hours=1, seconds=1))
    with pytest.raises(w.WidgetRefused, match="longer than one hour"):
        verify(issued.widget, token)


def test_a_token_from_the_future_is_refused_beyond_the_allowed_skew(pr):
    _, ana, issued = pr
    skewed = host_token(issued.widget, issued.secret, email=email_of(ana),
                        at=NOW + timedelta(seconds=30))
    assert verify(issued.widget, skewed).contact == ana
    future = host_token(issued.widget, issued.secret, email=email_of(ana),
                        at=NOW + timedelta(minutes=5))
    with pytest.raises(w.WidgetRefused, match="issued in the future"):
        verify(issued.widget, future)


@pytest.mark.parametrize(("claims", "message"), [
    ({"email": None}, "no 'email' claim"),
    ({"aud": None}, "no 'aud' claim"),
    ({"exp": None}, "no 'exp' claim"),
    ({"email": "not an address"}, "not an email address"),
    ({"exp": "tomorrow"}, "'exp' must be a number"),
    ({"nbf": int(NOW.timestamp()) + 3000}, "not valid yet"),
])
def test_missing_or_malformed_claims_are_refused_by_name(pr, claims, message):
    _, ana, issued = pr
    token = host_token(issued.widget, issued.secret, at=NOW, **{"email": email_of(ana), **claims})
    with pytest.raises(w.WidgetRefused, match=message):
        verify(issued.widget, token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.", "x" * 5000])
def test_garbage_is_refused_with_a_message_not_a_traceback(pr, garbage):
    _, _, issued = pr
    with pytest.raises(w.WidgetRefused) as refused:
        verify(issued.widget, garbage)
    assert refused.value.status == 401 and refused.value.message


def test_a_token_for_another_organisations_widget_is_refused(pr, admin):
    _, ana, issued = pr
    other = organisation(PR)
    theirs = w.widget_create(agent=admin, organisation=other, origins=[], now=NOW)
    # Signed with our secret but addressed to their widget: refused by the audience.
    ours_to_them = host_token(theirs.widget, issued.secret, email=email_of(ana), at=NOW)
    with pytest.raises(w.WidgetRefused, match="another widget"):
        verify(issued.widget, ours_to_them)
    # Their valid token replayed at our widget: our secret does not verify it.
    stranger = contact(other)
    replayed = host_token(theirs.widget, theirs.secret, email=email_of(stranger), at=NOW)
    assert verify(theirs.widget, replayed).contact == stranger
    with pytest.raises(w.WidgetRefused):
        verify(issued.widget, replayed)


def test_the_token_cannot_name_someone_of_another_organisation(pr):
    _, _, issued = pr
    outsider = contact(organisation(RK))
    token = host_token(issued.widget, issued.secret, email=email_of(outsider), at=NOW)
    with pytest.raises(w.WidgetRefused, match="is not a contact of") as refused:
        verify(issued.widget, token)
    assert refused.value.field == "email"


def test_an_unknown_email_is_refused(pr):
    _, _, issued = pr
    token = host_token(issued.widget, issued.secret, email="nobody@example.org", at=NOW)
    with pytest.raises(w.WidgetRefused, match=r"nobody@example\.org is not a contact"):
        verify(issued.widget, token)


def test_any_of_a_contacts_addresses_names_them(pr):
    _, ana, issued = pr
    ContactEmail.objects.create(contact=ana, address="ana.alias@example.com")
    token = host_token(issued.widget, issued.secret, email="Ana.Alias@example.com", at=NOW)
    assert verify(issued.widget, token).contact == ana


def test_an_unknown_widget_is_refused(pr):
    _, ana, issued = pr
    token = host_token(issued.widget, issued.secret, email=email_of(ana), at=NOW)
    with pytest.raises(w.WidgetRefused, match="no widget"):
        w.widget_token_verify(public_id="nope", token=token, now=NOW)


# --- rotation ------------------------------------------------------------------------------------


def test_rotation_keeps_the_previous_secret_for_its_grace_then_refuses_it(pr, admin):
    org, ana, issued = pr
    rotated = w.widget_rotate_secret(agent=admin, organisation=org, now=NOW,
                                     grace=timedelta(hours=2))
    assert rotated.secret != issued.secret
    widget = rotated.widget
    later = NOW + timedelta(hours=1, minutes=55)
    old = host_token(widget, issued.secret, email=email_of(ana), at=later)
    new = host_token(widget, rotated.secret, email=email_of(ana), at=later)
    assert verify(widget, old, at=later).contact == ana
    assert verify(widget, new, at=later).contact == ana
    past = NOW + timedelta(hours=2)
    with pytest.raises(w.WidgetRefused, match="signature"):
        verify(widget, host_token(widget, issued.secret, email=email_of(ana), at=past), at=past)


def test_rotation_without_grace_refuses_the_old_secret_at_once(pr, admin):
    org, ana, issued = pr
    rotated = w.widget_rotate_secret(agent=admin, organisation=org, now=NOW,
                                     grace=timedelta(0))
    with pytest.raises(w.WidgetRefused):
        verify(rotated.widget, host_token(rotated.widget, issued.secret, email=email_of(ana),
                                          at=NOW))


def test_a_second_rotation_drops_the_first_secret(pr, admin):
    org, ana, issued = pr
    w.widget_rotate_secret(agent=admin, organisation=org, now=NOW)
    second = w.widget_rotate_secret(agent=admin, organisation=org, now=NOW)
    with pytest.raises(w.WidgetRefused):
        verify(second.widget, host_token(second.widget, issued.secret, email=email_of(ana),
                                         at=NOW))


def test_a_grace_longer_than_a_week_is_refused(pr, admin):
    org, _, _ = pr
    with pytest.raises(InvalidInput) as refused:
        w.widget_rotate_secret(agent=admin, organisation=org, now=NOW, grace=timedelta(days=8))
    assert refused.value.field == "grace"


# --- the widget session --------------------------------------------------------------------------


def test_a_session_names_the_same_contact_until_the_host_token_expires(pr):
    _, ana, issued = pr
    user = verify(issued.widget, host_token(issued.widget, issued.secret, email=email_of(ana),
                                            at=NOW))
    session = w.widget_session_issue(user)
    again = w.widget_session_verify(public_id=issued.widget.public_id, session=session,
                                    now=NOW + timedelta(minutes=9))
    assert again.contact == ana
    with pytest.raises(w.WidgetRefused, match="expired"):
        w.widget_session_verify(public_id=issued.widget.public_id, session=session,
                                now=NOW + timedelta(minutes=10))


def test_a_session_is_bound_to_its_widget_and_cannot_be_forged(pr, admin):
    _, ana, issued = pr
    user = verify(issued.widget, host_token(issued.widget, issued.secret, email=email_of(ana),
                                            at=NOW))
    session = w.widget_session_issue(user)
    theirs = w.widget_create(agent=admin, organisation=organisation(PR), origins=[], now=NOW)
    with pytest.raises(w.WidgetRefused, match="another widget"):
        w.widget_session_verify(public_id=theirs.widget.public_id, session=session, now=NOW)
    with pytest.raises(w.WidgetRefused, match="not valid"):
        w.widget_session_verify(public_id=issued.widget.public_id, session=session[:-2] + "xx",
                                now=NOW)


def test_a_session_ends_when_its_contact_leaves_the_organisation(pr):
    _, ana, issued = pr
    user = verify(issued.widget, host_token(issued.widget, issued.secret, email=email_of(ana),
                                            at=NOW))
    session = w.widget_session_issue(user)
    ana.organisation = organisation(PR)
    ana.save()
    with pytest.raises(w.WidgetRefused, match="no longer names"):
        w.widget_session_verify(public_id=issued.widget.public_id, session=session, now=NOW)


# --- filing --------------------------------------------------------------------------------------


def _user(pr_or_widget, who, secret):
    widget = pr_or_widget
    return verify(widget, host_token(widget, secret, email=email_of(who), at=NOW))


def test_pr1_a_widget_request_is_a_ticket_on_the_widget_channel_from_the_token_subject(pr):
    org, ana, issued = pr
    ticket = w.widget_request_create(user=_user(issued.widget, ana, issued.secret),
                                     subject="Export fails", description="Since Monday.",
                                     priority="normal", now=NOW)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.organisation, stored.requester, stored.channel) == (org, ana, "widget")
    assert stored.subject == "Export fails"
    assert stored.messages.get().body == "Since Monday."


def test_a_policy_without_a_widget_channel_records_its_web_door(admin):
    org = organisation(FG, plans=("standard",), timezone="America/Chicago")
    paula = contact(org, role="primary")
    issued = w.widget_create(agent=admin, organisation=org, origins=[], now=NOW)
    ticket = w.widget_request_create(user=_user(issued.widget, paula, issued.secret),
                                     subject="Fax down", description="", priority="urgent",
                                     now=NOW)
    assert ticket.channel == "portal"


def test_intake_rules_apply_rl7_a_banned_requester_is_refused_and_recorded(pr, admin):
    _, ana, issued = pr
    user = _user(issued.widget, ana, issued.secret)
    contact_ban(contact=ana, by=agent(roles=("support_lead",)), reason="abuse", now=NOW)
    user.contact.refresh_from_db()
    with pytest.raises(IntakeRefused):
        w.widget_request_create(user=user, subject="Hello", description="x", priority=None,
                                now=NOW)
    assert TicketRefusal.objects.filter(requester=ana, channel="widget").exists()
    assert not Ticket.objects.filter(requester=ana).exists()


def test_intake_rules_apply_fg10_an_unauthorised_person_is_held(admin):
    org = organisation(FG, plans=("standard",), timezone="America/Chicago")
    contact(org, role="primary")
    uma = contact(org, authorised=False)
    issued = w.widget_create(agent=admin, organisation=org, origins=[], now=NOW)
    ticket = w.widget_request_create(user=_user(issued.widget, uma, issued.secret),
                                     subject="Help", description="x", priority="medium",
                                     now=NOW)
    assert ticket.hold == Ticket.Hold.AWAITING_AUTHORISATION


def test_rk2_copying_the_administrator_through_the_widget(admin):
    org = organisation(RK)
    boss = contact(org, role="administrator")
    someone = contact(org)
    issued = w.widget_create(agent=admin, organisation=org, origins=[], now=NOW)
    user = _user(issued.widget, someone, issued.secret)
    copied = w.widget_request_create(user=user, subject="A", description="x", priority=None,
                                     copy_administrator=True, now=NOW)
    alone = w.widget_request_create(user=user, subject="B", description="x", priority=None,
                                    now=NOW)
    assert list(copied.cc.all()) == [boss] and not copied.administrator_not_included
    assert alone.administrator_not_included


# --- the secret stays secret ------------------------------------------------------------------


def test_the_secret_is_not_in_reprs_or_logs(pr, admin, caplog):
    org, ana, issued = pr
    caplog.set_level("DEBUG")
    assert issued.secret not in repr(issued)
    rotated = w.widget_rotate_secret(agent=admin, organisation=org, now=NOW)
    token = host_token(rotated.widget, rotated.secret, email=email_of(ana), at=NOW)
    user = verify(rotated.widget, token)
    w.widget_request_create(user=user, subject="S", description="x", priority=None, now=NOW)
    with pytest.raises(w.WidgetRefused):
        verify(rotated.widget, token + "x")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert all(secret not in logged for secret in (issued.secret, rotated.secret, token))
