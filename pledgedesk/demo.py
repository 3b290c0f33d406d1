"""Sample data for ``pledgedesk demo``: a populated desk. Every step is idempotent.

Five organisations, one on each seed policy, with contacts who can sign in to the portal;
three agents in groups who sign in to the console; and tickets in every status and SLA state,
made through the real services at explicit past instants so their timers are genuinely
running, warning, breached, met, paused, excluded or without a target.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from pledgedesk import clock

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@pledgedesk.invalid"
PASSWORD_FILE = "demo-password"  # noqa: S105 (a file name, not a secret)


def demo_login() -> str:
    """Make sure the demo administrator, the sample desk and its people exist; return how to
    sign in (the admin line first, then the portal and the console).

    The password is random, made once per data directory and kept there readable only by its
    owner, so a demo reachable from a network is not open to anyone who read this file.
    """
    password = _demo_password()
    with transaction.atomic():
        _user(DEMO_USERNAME, DEMO_EMAIL, password, is_staff=True, is_superuser=True)
    seed(password=password, now=clock.current())
    return "\n".join([
        f"Sign in at /admin/ as {DEMO_USERNAME!r} with password {password!r}.",
        f"Customer portal: /portal/ as {PORTAL_LOGIN!r} (or paula@northwind.example, the "
        "primary contact who confirms access requests) with the same password.",
        f"Agent console: /console/ as {CONSOLE_LOGIN!r} (or dev, sam) with the same password.",
    ])


def _demo_password() -> str:
    path = settings.DATA_DIR / PASSWORD_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="ascii")
    return password


def _user(username: str, email: str, password: str, *, hashed: str | None = None, **flags):
    """The user ``username``. With ``hashed`` (one Argon2 hash of the demo password made
    once for all the sample people) a new user gets it and an existing one is left as is;
    without it the password is checked and reset if it differs."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": email, **flags})
    if hashed is not None:
        if created:
            user.password = hashed
            user.save(update_fields=["password"])
    elif created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


# --- the sample desk -------------------------------------------------------------------------

PORTAL_LOGIN = "alice@acme.example"
CONSOLE_LOGIN = "maria"

AGENTS = [  # username, name, roles, groups, zone
    ("maria", "Maria Lopez", ["support_lead", "engineer"], ["support", "helpdesk"],
     "America/Chicago"),
    ("dev", "Devon Reyes", ["engineer"], ["support", "development"], "America/New_York"),
    ("sam", "Sam Okafor", ["senior_technician", "engineer"], ["support", "senior"],
     "Europe/London"),
]
GROUP_NAMES = {"support": "Support", "helpdesk": "HelpDesk", "development": "Development",
               "senior": "Senior technicians", "product_services": "Product Services"}


@dataclass(frozen=True)
class OrgSeed:
    name: str
    policy: str
    plans: tuple[str, ...]
    timezone: str
    country: str
    subdivision: str
    # (name, email, role): role is primary, admin, both, authorised or other
    people: tuple[tuple[str, str, str], ...]


ORGS = [
    OrgSeed("Acme CRM Users", "crm-severity-colours", ("standard",), "America/Chicago", "US",
            "", (("Alice Adams", "alice@acme.example", "both"),
                 ("Bob Brown", "bob@acme.example", "other"))),
    OrgSeed("Globex Sales", "crm-named-severities", ("standard",), "America/Denver", "US", "",
            (("Grace Green", "grace@globex.example", "both"),
             ("Hank Hill", "hank@globex.example", "other"))),
    OrgSeed("Shopfront Ltd", "ecommerce-platform", ("high_priority",), "America/Toronto", "CA",
            "ON", (("Sofia Silva", "sofia@shopfront.example", "primary"),
                   ("Tom Tran", "tom@shopfront.example", "other"))),
    OrgSeed("Northwind Fax Co", "fax-server-24x7", ("24x7",), "America/Los_Angeles", "US", "CA",
            (("Paula Price", "paula@northwind.example", "primary"),
             ("Frank Ford", "frank@northwind.example", "authorised"),
             ("Uma Underwood", "uma@northwind.example", "other"))),
    OrgSeed("Initech GmbH", "crm-regional", ("enterprise",), "Europe/Berlin", "DE", "BE",
            (("Ines Ivanova", "ines@initech.example", "primary"),
             ("Jonas Jung", "jonas@initech.example", "other"))),
]


def seed(*, password: str, now: datetime) -> None:
    """Create what is missing: people always get the demo password; tickets are made once
    per organisation (an organisation with tickets is left as it is)."""
    from django.contrib.auth.hashers import make_password

    from pledgedesk.accounts.models import Agent, AgentGroup

    hashed = make_password(password)
    with transaction.atomic():
        groups = {key: AgentGroup.objects.get_or_create(key=key, defaults={"name": name})[0]
                  for key, name in GROUP_NAMES.items()}
        agents = []
        for username, name, roles, group_keys, zone in AGENTS:
            user = _user(username, f"{username}@pledgedesk.example", password, hashed=hashed)
            agent, _ = Agent.objects.get_or_create(user=user,
                                                   defaults={"name": name, "roles": roles})
            agent.groups.add(*(groups[k] for k in group_keys))
            _zone(agent, zone)
            agents.append(agent)
    from pledgedesk.versions.policies import policy_path

    for spec in ORGS:
        if not policy_path(spec.policy).exists():
            continue  # PLEDGEDESK_POLICY_DIR points at other policies: no sample for this one
        with transaction.atomic():
            org, contacts = _organisation(spec, hashed, now)
        # Outside that transaction: each ticket service owns its own (durable) transaction.
        if not org.tickets.exists():
            _tickets(org, contacts, agents, now)


def _zone(agent, zone: str) -> None:
    from pledgedesk.console.models import AgentPreference

    AgentPreference.objects.get_or_create(agent=agent, defaults={"timezone": zone})


# Phone numbers as people type them; stored in E.164 like every other path (FG-4).
PHONES = {"alice@acme.example": "(312) 555-0147", "paula@northwind.example": "(415) 555-0142",
          "frank@northwind.example": "415.555.0163", "sofia@shopfront.example": "(416) 555-0121",
          "ines@initech.example": "030 901820"}
# FG-4: a voicemail from a number no contact has yet: the console's account look-up.
UNKNOWN_CALLER = "+12135550187"
# PR-5: the Enterprise organisation's dedicated account representative (a username in AGENTS).
REPRESENTATIVES = {"Initech GmbH": "dev"}


def _organisation(spec: OrgSeed, hashed: str, now: datetime):
    """The organisation and its people, made through ``organisation_create`` and
    ``contact_create`` the first time; found by name and email address afterwards."""
    from pledgedesk.accounts.models import Agent, Organisation
    from pledgedesk.accounts.services import (
        contact_by_email,
        contact_create,
        organisation_create,
    )

    since = now - timedelta(days=60)
    org = Organisation.objects.filter(name=spec.name).first() or organisation_create(
        name=spec.name, policy_key=spec.policy, plans=spec.plans, timezone=spec.timezone,
        country=spec.country, subdivision=spec.subdivision, now=since)
    contacts = []
    for name, email, role in spec.people:
        contact = contact_by_email(email) or contact_create(
            organisation=org, name=name, emails=[email],
            phones=[PHONES[email]] if email in PHONES else [], authorised=role != "other",
            password_hash=hashed, now=since)
        if role in ("primary", "both") and org.primary_contact_id is None:
            org.primary_contact = contact
        if role in ("admin", "both") and org.administrator_id is None:
            org.administrator = contact
        contacts.append(contact)
    username = REPRESENTATIVES.get(spec.name)
    if username and org.dedicated_representative_id is None:
        org.dedicated_representative = Agent.objects.get(user__username=username)
    org.save(update_fields=["primary_contact", "administrator", "dedicated_representative"])
    return org, contacts


SUBJECTS = [
    "Cannot log in after the upgrade", "Reports page is slow", "How do I export contacts?",
    "Outbound faxes stuck in queue", "Invoice totals look wrong", "Sync with calendar fails",
    "Need help configuring SSO", "Error 500 on the dashboard", "Attachments do not upload",
]


def _tickets(org, contacts, agents, now: datetime) -> None:
    """One ticket per status, each walked through its history at past instants, plus the
    special cases: a warning countdown, a held request (FG-10), an escalation (PR-6), an
    exclusion (RK-4) and a priority with no resolution target."""
    from pledgedesk.policy.compile import Policy
    from pledgedesk.portal.offer import organisation_policy
    from pledgedesk.tickets import services as s
    from pledgedesk.tickets.intake import door_channel

    policy: Policy = organisation_policy(org, now=now)
    channel = door_channel(policy, "web") or "email"
    prios = [p.key for p in policy.priorities
             if policy.priority_allowed(org.plans[0], p.key)]
    requester, other = contacts[0], contacts[1]
    lead, engineer, senior = agents
    subjects = iter(SUBJECTS * 3)

    def open_ticket(hours_ago: float, priority: str, who=requester, subject=None):
        return s.ticket_create(new=s.NewTicket(
            organisation=org, requester=who, channel=channel, priority=priority,
            subject=subject or next(subjects),
            description="Since this morning the problem keeps coming back.\n\n"
                        "Steps: sign in, open the page, wait. Screenshot attached."),
            now=now - timedelta(hours=hours_ago))

    def agent_reply(ticket, hours_ago: float, agent, status_category: str | None = None):
        change = s.Change(status=policy.status_of_category(status_category),
                          assignee=agent) if status_category else s.Change(assignee=agent)
        s.ticket_reply(ticket=ticket, actor=s.Actor(channel="web", agent=agent),
                       body="Thanks for the report. We are looking into it and will update "
                            "you here.", change=change, expected_version=None,
                       now=now - timedelta(hours=hours_ago))

    def note(ticket, hours_ago: float, agent, body: str):
        s.ticket_note(ticket=ticket, actor=s.Actor(channel="web", agent=agent), body=body,
                      expected_version=None, now=now - timedelta(hours=hours_ago))

    top, low = prios[0], prios[-1]
    middle = prios[len(prios) // 2]
    # New, untouched: the clock runs.
    open_ticket(0.15, middle)
    # New, days old, nobody answered: breached (a note recomputes the timers now).
    breached = open_ticket(24 * 6, top, subject="Production outage: all users affected")
    note(breached, 0.05, lead, "Checking the logs now; customer not yet contacted.")
    # Open: first response met.
    agent_reply(open_ticket(48, middle), 47, engineer, "open")
    # Pending: waiting for the customer.
    agent_reply(open_ticket(72, low), 70, engineer, "pending")
    # On-Hold: waiting on a third party.
    on_hold = open_ticket(96, middle, who=other)
    agent_reply(on_hold, 95, senior, "on_hold")
    # Solved: the customer may reopen (RK-7).
    agent_reply(open_ticket(120, middle), 118, lead, "solved")
    # Closed: final.
    closed = open_ticket(24 * 9, low)
    agent_reply(closed, 24 * 9 - 2, lead, "solved")
    s.ticket_update(ticket=closed, actor=s.Actor(channel="web", agent=lead),
                    change=s.Change(status=policy.status_of_category("closed")),
                    expected_version=None, now=now - timedelta(hours=24 * 7))
    # A logged call counts as the first touch (RL-2, FG-7).
    call = open_ticket(30, top)
    s.ticket_log_call(ticket=call, actor=s.Actor(channel="web", agent=senior),
                      summary="Called the customer, screen-shared, reproduced the fault.",
                      expected_version=None, now=now - timedelta(hours=29.5))
    if policy.exclusion_reasons:  # RK-4: excluded from the resolution target
        excluded = open_ticket(50, top, subject="Defect in the reporting module")
        agent_reply(excluded, 49, engineer, "on_hold")
        s.ticket_set_exclusion(ticket=excluded, actor=s.Actor(channel="web", agent=engineer),
                               reason=policy.exclusion_reasons[0], active=True,
                               expected_version=None, now=now - timedelta(hours=48))
    if policy.key == "fax-server-24x7":
        # A 24x7 Urgent ticket 20 minutes old: inside its warning window (amber).
        open_ticket(20 / 60, "urgent", subject="Inbound faxing stopped on the production server")
        # FG-10: someone not on the authorised list: held for the primary contact.
        open_ticket(2, "high", who=contacts[2], subject="Please add a fax line for my team")
        # FG-4: a voicemail that knows only the caller's number: needs an account look-up.
        s.ticket_create(new=s.NewTicket(
            organisation=org, caller_number=UNKNOWN_CALLER, channel="voicemail",
            subject=f"Voicemail from {UNKNOWN_CALLER}",
            description="Voicemail: our fax server stopped sending this morning, call back."),
            now=now - timedelta(hours=1))
    if policy.spec.escalation is not None:  # PR-6
        escalated = open_ticket(26, top, subject="Data import keeps failing")
        agent_reply(escalated, 25, engineer, "open")
        s.ticket_request_escalation(ticket=escalated, actor=s.Actor(channel=channel,
                                    contact=requester), reason="Blocking our month-end close.",
                                    now=now - timedelta(hours=3))
