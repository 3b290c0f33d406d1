"""Django admin as one more door: organisations and contacts are created through
``organisation_create`` / ``contact_create``, phone numbers land in E.164 however typed (so the
voicemail look-up finds them, FG-4), and bans go through the services' role check (RL-7)."""

import re

import pytest
from django.contrib.auth import get_user_model

from pledgedesk.accounts.models import Agent, Contact, ContactPhone, Organisation
from pledgedesk.accounts.services import contact_by_phone, contact_create
from tests.factories import T0, organisation
from tests.pages import NOW, fixed_clock

pytestmark = pytest.mark.django_db
FG = "fax-server-24x7"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_client(client):
    """A superuser who is not an agent (like the demo's ``demo`` user)."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(user)
    with fixed_clock():
        yield client, user


def _lead(user):
    Agent.objects.create(user=user, name="Lee Lead", roles=["support_lead"])


def test_an_organisation_added_in_admin_goes_through_organisation_create(staff_client):
    client, _ = staff_client

    response = client.post("/admin/accounts/organisation/add/", {
        "name": " Acme Fax ", "policy_key": FG, "plans": "24x7",
        "timezone": "America/Chicago", "country": "us", "subdivision": ""})

    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get()
    # organisation_create's own normalisation: name stripped, country upper case.
    assert (org.name, org.country, org.plans) == ("Acme Fax", "US", ["24x7"])


def test_admin_shows_the_services_refusal_on_its_field(staff_client):
    client, _ = staff_client

    response = client.post("/admin/accounts/organisation/add/", {
        "name": "Acme", "policy_key": FG, "plans": "enterprise", "timezone": "",
        "country": "", "subdivision": ""})

    assert response.status_code == 200
    assert "unknown plan &#x27;enterprise&#x27;" in response.content.decode()
    assert not Organisation.objects.exists()


def test_fg4_a_contact_added_in_admin_has_its_number_in_e164(staff_client):
    client, _ = staff_client
    org = organisation(FG, country="US")

    response = client.post("/admin/accounts/contact/add/", {
        "organisation": org.pk, "name": "Pat Caller", "authorised": "on",
        "emails": "pat@example.com", "phones": "(952) 555-0100", "password": ""})

    assert response.status_code == 302, response.content.decode()[:2000]
    pat = Contact.objects.get(name="Pat Caller")
    assert ContactPhone.objects.get(contact=pat).number == "+19525550100"
    assert contact_by_phone("+19525550100") == pat


def test_fg4_a_duplicate_number_in_another_format_is_refused_on_phones(staff_client):
    client, _ = staff_client
    org = organisation(FG, country="US")
    contact_create(organisation=org, name="Pat", phones=["+19525550100"], now=T0)

    response = client.post("/admin/accounts/contact/add/", {
        "organisation": org.pk, "name": "Sam", "emails": "", "phones": "952.555.0100",
        "password": ""})

    assert response.status_code == 200
    assert "that phone number already belongs to a contact" in response.content.decode()
    assert not Contact.objects.filter(name="Sam").exists()


def _contact_change(contact, **changes):
    data = {"organisation": contact.organisation_id, "name": contact.name, "user": "",
            "authorised": "on" if contact.authorised else "", "ban": contact.ban_reason,
            "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0",
            "phones-TOTAL_FORMS": "0", "phones-INITIAL_FORMS": "0"}
    data.update(changes)
    return data


def test_fg4_a_number_added_later_in_admin_is_normalised_too(staff_client):
    client, _ = staff_client
    pat = contact_create(organisation=organisation(FG, country="US"), name="Pat", now=T0)

    response = client.post(f"/admin/accounts/contact/{pat.pk}/change/", _contact_change(
        pat, **{"phones-TOTAL_FORMS": "1", "phones-0-number": "1-952-555-0100",
                "phones-0-contact": pat.pk}))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert contact_by_phone("952 555 0100") == pat


def test_rl7_a_superuser_who_is_not_the_support_lead_cannot_ban_in_admin(staff_client):
    client, _ = staff_client
    pat = contact_create(organisation=organisation(FG), name="Pat", now=T0)

    response = client.post(f"/admin/accounts/contact/{pat.pk}/change/",
                           _contact_change(pat, ban="abusive on the phone"))

    assert response.status_code == 200
    assert "Only the support lead may ban or lift a ban." in response.content.decode()
    assert Contact.objects.get(pk=pat.pk).is_banned is False


def test_rl7_the_support_lead_bans_and_lifts_in_admin_through_the_service(staff_client):
    client, user = staff_client
    _lead(user)
    pat = contact_create(organisation=organisation(FG), name="Pat", now=T0)

    client.post(f"/admin/accounts/contact/{pat.pk}/change/",
                _contact_change(pat, ban="abusive on the phone"))
    banned = Contact.objects.get(pk=pat.pk)
    client.post(f"/admin/accounts/contact/{pat.pk}/change/", _contact_change(banned, ban=""))

    assert (banned.ban_reason, banned.banned_at) == ("abusive on the phone", NOW)
    assert Contact.objects.get(pk=pat.pk).is_banned is False


def test_rl7_the_support_lead_bans_an_organisation_in_admin(staff_client):
    client, user = staff_client
    _lead(user)
    org = organisation(FG)

    response = client.post(f"/admin/accounts/organisation/{org.pk}/change/", {
        "name": org.name, "policy_key": org.policy_key, "plans": "standard",
        "timezone": "", "country": "", "subdivision": "", "ban": "scam operation",
        "primary_contact": "", "administrator": "", "account_manager": "",
        "dedicated_representative": ""})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Organisation.objects.get(pk=org.pk).ban_reason == "scam operation"


# --- issue 16: a branded admin, plans and roles as choices, one screen to make an agent ---


def test_the_admin_is_branded(staff_client):
    client, _ = staff_client

    page = client.get("/admin/").content.decode()

    assert '<div id="site-name"><a href="/admin/">Pledgedesk administration</a>' in page
    assert "Django administration" not in page


def test_plans_are_check_boxes_grouped_by_policy_not_json(staff_client):
    client, _ = staff_client

    page = client.get("/admin/accounts/organisation/add/").content.decode()

    assert 'type="checkbox" name="plans" value="24x7"' in page
    assert '<textarea name="plans"' not in page
    assert '<select name="policy_key"' in page


def test_roles_are_check_boxes_not_json(staff_client):
    client, user = staff_client
    _lead(user)
    agent = Agent.objects.get()

    page = client.get(f"/admin/accounts/agent/{agent.pk}/change/").content.decode()

    assert 'type="checkbox" name="roles" value="support_lead"' in page
    assert re.search(r'<input type="checkbox" name="roles" value="support_lead"[^>]*checked',
                     page)
    assert '<textarea name="roles"' not in page


def test_an_agent_is_made_on_one_screen_with_its_user(staff_client):
    client, _ = staff_client
    prefix = "agent"

    response = client.post("/admin/auth/user/add/", {
        "username": "nadia", "email": "nadia@example.com", "password1": "a long passphrase 1",
        "password2": "a long passphrase 1", "usable_password": "true",
        f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1",
        f"{prefix}-0-name": "Nadia Novak", f"{prefix}-0-roles": ["engineer", "support_lead"],
        f"{prefix}-0-active": "on"})

    assert response.status_code == 302, response.content.decode()[:3000]
    made = Agent.objects.get(user__username="nadia")
    assert (made.name, sorted(made.roles), made.active) == (
        "Nadia Novak", ["engineer", "support_lead"], True)
