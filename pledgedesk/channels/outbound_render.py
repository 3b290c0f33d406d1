"""What an outbound mail says: its subject, text and HTML, from template files.

Templates are files: ``channels/mail/<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``
under this app's ``templates`` directory are the defaults. A policy may name its own directory
(``[channels.email] templates = "mail/fax-guys"``, relative to the policy directory); a file
it does not have falls back to the default of the same name, so a policy can change one
message without copying the rest. Text templates are rendered without HTML escaping, the HTML
ones with it; message bodies reach the HTML only through the sanitiser (nh3).

Promised times are the SLA engine's (the ticket's timers), shown in the organisation's zone
with the zone's name and offset, beside the policy's own words for the target
(``policy.render.promise``, what the portal and the policy page say).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.urls import reverse

from pledgedesk import rowsql
from pledgedesk.channels.mailid import keyed_message_id
from pledgedesk.markdown_replies import markdown_html
from pledgedesk.policy import render as policy_render
from pledgedesk.policy.compile import Policy
from pledgedesk.sanitise import clean_html
from pledgedesk.tickets.models import Attachment, Message, SlaTimer, Ticket
from pledgedesk.tickets.selectors import organisation_zone

DEFAULT_DIR = Path(__file__).resolve().parent / "templates" / "channels" / "mail"
TEMPLATES = ("acknowledgement", "held", "authorised", "reply", "solved", "awaiting_reply",
             "rejected", "authorise")


class TemplateProblem(Exception):
    """A template cannot be read or rendered; the message says which file and why."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Promise:
    """One running SLA target as the customer reads it."""

    label: str  # the policy's name for the metric ("First response")
    due: str  # "Mon 5 Jan 2026, 11:00 US Central time (UTC-06:00)"
    words: str  # the policy's promise ("Within 2 hours")


def render_mail(template: str, context: dict, policy: Policy) -> Rendered:
    """``template``'s three files rendered with ``context`` (a policy's own first)."""
    dirs = _dirs(policy)
    subject = _render(dirs, f"{template}.subject.txt", context, html=False)
    return Rendered(subject=" ".join(subject.split()),
                    text=_render(dirs, f"{template}.txt", context, html=False).strip() + "\n",
                    html=_render(dirs, f"{template}.html", context, html=True))


def _dirs(policy: Policy) -> tuple[str, ...]:
    email = policy.spec.channels.email
    own = email.templates if email is not None else None
    if not own:
        return (str(DEFAULT_DIR),)
    path = Path(settings.PLEDGEDESK_POLICY_DIR) / own
    if not path.is_dir():
        raise TemplateProblem(f"channels.email.templates: {path} is not a directory")
    return (str(path), str(DEFAULT_DIR))


@lru_cache(maxsize=32)
def _engine(dirs: tuple[str, ...], html: bool) -> Engine:
    # Cached per directory set: parsed templates are kept by the cached loader in production
    # (debug=False), so an edited custom template needs a worker restart, as code does.
    return Engine(dirs=list(dirs), autoescape=html, debug=False)


def _render(dirs: tuple[str, ...], name: str, context: dict, *, html: bool) -> str:
    try:
        return _engine(dirs, html).get_template(name).render(Context(context, autoescape=html))
    except TemplateDoesNotExist:
        raise TemplateProblem(f"mail template {name} not found in {', '.join(dirs)}") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"mail template {name}: {exc}") from None


# --- what the templates are given ------------------------------------------------------------


def ticket_context(ticket: Ticket, policy: Policy, *, now: datetime) -> dict:
    """Everything every mail about ``ticket`` may say."""
    zone = organisation_zone(ticket.organisation, policy) if ticket.organisation else "UTC"
    status = policy.statuses.get(ticket.status)
    priority = next((p for p in policy.priorities if p.key == ticket.priority), None)
    return {
        "ticket": ticket, "number": ticket.number, "subject": ticket.subject,
        "organisation": ticket.organisation, "requester": ticket.requester,
        "policy_name": policy.spec.policy.name, "zone": zone,
        "zone_name": policy_render.zone_name(zone),
        "status": status.label if status else ticket.status,
        "status_description": status.description if status else "",
        "priority": priority.label if priority else ticket.priority,
        "received": instant(ticket.received_at, zone),
        "ticket_url": absolute(reverse("portal:ticket", args=[ticket.number])),
    }


def promises(ticket: Ticket, policy: Policy) -> list[Promise]:
    """The ticket's running targets with their due instants (the SLA engine's timers), in the
    organisation's zone, each with the policy's words for it."""
    zone = organisation_zone(ticket.organisation, policy) if ticket.organisation else "UTC"
    defined = policy.spec.metrics.defined()
    found = []
    for metric, due_at in _running_timers(ticket.pk):
        spec = defined.get(metric)
        if spec is None:
            continue
        target = policy.target(metric, ticket.plan, ticket.priority)
        found.append(Promise(label=spec.label, due=instant(due_at, zone),
                             words=policy_render.promise(target, policy)))
    return found


def _running_timers(ticket_id: int) -> list[tuple[str, datetime]]:
    """(metric, due_at) of the ticket's timers that are due and not met, soonest first
    (``ticket.timers.filter(due_at__isnull=False, met_at__isnull=True).order_by("due_at",
    "metric")``), by a statement built once per process (issue 20: one is read for every
    acknowledgement)."""
    sql = rowsql.statement(("outbound.running_timers",), lambda q: (
        f"SELECT {q.col(SlaTimer, 'metric')}, {q.col(SlaTimer, 'due_at')} "  # noqa: S608
        f"FROM {q.table(SlaTimer)} WHERE ({q.col(SlaTimer, 'ticket')} = %s "
        f"AND {q.col(SlaTimer, 'due_at')} IS NOT NULL AND {q.col(SlaTimer, 'met_at')} IS NULL) "
        f"ORDER BY {q.col(SlaTimer, 'due_at')} ASC, {q.col(SlaTimer, 'metric')} ASC"))
    instant = rowsql.converter(SlaTimer, "due_at")
    return [(metric, instant(due_at)) for metric, due_at in rowsql.fetch(sql, [ticket_id])]


def message_context(message: Message, attachments: list[Attachment]) -> dict:
    """A public reply: its body as text and as sanitised HTML, its author, its files."""
    html = clean_html(message.body)
    if message.author_agent_id:  # an agent's Markdown (issue 16); the text part stays as typed
        html = markdown_html(message.body)
    elif "<" not in message.body:
        html = html.replace("\r\n", "\n").replace("\n", "<br>\n")
    return {"body": message.body.replace("\r\n", "\n").strip(), "body_html": html,
            "author": message.author_agent.name if message.author_agent else "Support",
            "files": [a.filename for a in attachments]}


def instant(at: datetime | None, tz: str) -> str:
    """``Mon 5 Jan 2026, 11:00 US Central time (UTC-06:00)``: the zone's name and offset."""
    if at is None:
        return ""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone, tz = ZoneInfo("UTC"), "UTC"
    local = at.astimezone(zone)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset else 0
    sign = "+" if minutes >= 0 else "-"
    shown = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return (f"{local:%a} {local.day} {local:%b %Y, %H:%M} "
            f"{policy_render.zone_name(tz)} ({shown})")


def absolute(path: str) -> str:
    """A link for a mail: the desk's public address (``PLEDGEDESK_PUBLIC_URL``) and ``path``."""
    base = settings.PLEDGEDESK_PUBLIC_URL
    return base.rstrip("/") + path


def send_automatic(rendered: Rendered, *, to: list[str], policy: Policy, support: str,
                   key: str) -> None:
    """Send an automatic notice that is no reply on a ticket (a policy version announced,
    an hour bank's low balance, an engagement's move): from the policy's name, replies to
    ``support``, marked auto-generated, with a Message-ID derived from the outbox ``key`` so a
    retried delivery is the same message."""
    mail = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=to,
        from_email=formataddr((policy.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        headers={"Message-ID": keyed_message_id(key, prefix="pd",
                                                 domain=support.rpartition("@")[2]),
                 "Reply-To": support, "Auto-Submitted": "auto-generated",
                 "X-Auto-Response-Suppress": "All"},
        connection=get_connection(fail_silently=False))
    mail.attach_alternative(rendered.html, "text/html")
    mail.send(fail_silently=False)
