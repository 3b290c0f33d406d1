"""The queue's rows as HTML, built in Python (issue 20).

The queue is the page agents keep open, polled every few seconds: 50 rows through the template
engine cost ~10 ms of CPU a render (about 1,400 variable look-ups, 150 ``{% url %}`` reverses
and a localised number for every ``{{ t.number }}``), half the page's time. The markup is the
one ``_queue_rows.html`` had; every value from the database or a policy file is escaped here.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from pledgedesk.tickets.models import Ticket
from pledgedesk.web.present import Row, TimerView, instant_short

EMPTY = '<tr><td colspan="8">No tickets match these filters.</td></tr>\n'
_HOLDS = dict(Ticket.Hold.choices)  # what ``Ticket.get_hold_display`` says


def queue_rows_html(rows: list[Row], zone: str) -> SafeString:
    """The ``<tr>`` of each row (``present.rows`` of ``tickets.selectors.QueueRow`` values),
    instants in the agent's ``zone``."""
    if not rows:
        return mark_safe(EMPTY)  # noqa: S308 (a constant)
    head, tail = reverse("console:ticket", args=[0]).rsplit("/0/", 1)
    return mark_safe("".join(  # noqa: S308 (every value is escaped in _row)
        _row(row, zone, f"{head}/{row.ticket.number}/{tail}") for row in rows))


def _e(value) -> str:
    return escape(str(value), quote=True)


def _row(row: Row, zone: str, url: str) -> str:
    t = row.ticket  # a ``tickets.selectors.QueueRow``
    n = t.number
    badges = ""
    if t.hold:
        badges += f' <span class="badge hold">{_e(_HOLDS.get(t.hold, t.hold))}</span>'
    if t.escalation_requested_at:
        badges += ' <span class="badge hold">Escalation requested</span>'
    who = t.requester_name or t.caller_number
    org = t.organisation_name or "no organisation"
    assignee = t.assignee_name or "—"
    group = (f'<br><small class="muted">{_e(t.group_name)}</small>'
             if t.group_id is not None else "")
    return (
        f'<tr data-href="{url}" data-number="{n}">\n'
        f'  <td><input type="checkbox" id="pick-{n}" hx-preserve="true" form="bulk-form" '
        f'name="row" value="{n}:{t.version}" aria-label="Select ticket #{n}"></td>\n'
        f'  <td class="num"><a href="{url}" tabindex="-1">#{n}</a></td>\n'
        f'  <td class="subject"><a href="{url}">{_e(t.subject)}</a>{badges}<br>'
        f'<small class="muted">{_e(who)} · {_e(org)}</small></td>\n'
        f'  <td><span class="badge prio prio-{_e(t.policy_key)}-{_e(t.priority)}">'
        f'{_e(row.priority)}</span></td>\n'
        f'  <td><span class="badge status-{_e(t.status_category)}">{_e(row.status)}</span>'
        f'</td>\n'
        f'  <td>{_e(assignee)}{group}</td>\n'
        f'  <td class="num">{_e(instant_short(t.received_at, zone))}</td>\n'
        f'  <td class="sla-cell">{_promise(row.promise, zone)}</td>\n'
        f'</tr>\n')


def _promise(promise: TimerView | None, zone: str) -> str:
    if promise is None:
        return '<span class="muted">—</span>'
    due = (f" · {_e(instant_short(promise.due_at, zone))}"
           if promise.due_at and promise.state != "met" else "")
    return (f'<span class="sla sla-{_e(promise.css)}" data-state="{_e(promise.state)}">'
            f'{_e(promise.summary)}</span><br><small class="muted">{_e(promise.label)}{due}'
            f'</small>')


def _options(pairs, chosen: str, first: tuple[str, str] | None = None) -> str:
    out = [f'<option value="">{_e(first[1])}</option>'] if first else []
    for key, value, label in _escaped(tuple(pairs)):
        picked = " selected" if chosen == key else ""
        out.append(f'<option value="{value}"{picked}>{label}</option>')
    return "".join(out)


@lru_cache(maxsize=32)
def _escaped(pairs: tuple) -> tuple[tuple[str, str, str], ...]:
    """Each (key, label) as (key, key escaped, label escaped): the same up to 300
    organisations on every full page, escaped once while they stay the same."""
    return tuple((str(key), _e(key), _e(label)) for key, label in pairs)


def filter_menus_html(views, choices: dict, chosen: dict) -> SafeString:
    """The queue's filter menus (Show, Status, Priority, Organisation) with the ``chosen``
    values selected: ``choices`` is ``console.selectors.filter_choices()``, whose up to 300
    organisations cost the template engine ~1,500 node renders a page."""
    return mark_safe(  # noqa: S308 (every value is escaped in _options)
        '  <div class="field"><label for="f-view">Show</label>\n'
        f'    <select id="f-view" name="view">{_options(views, chosen["view"])}</select></div>\n'
        '  <div class="field"><label for="f-status">Status</label>\n'
        '    <select id="f-status" name="status">'
        f'{_options(choices["statuses"], chosen["status"], ("", "Any open"))}</select></div>\n'
        '  <div class="field"><label for="f-priority">Priority</label>\n'
        '    <select id="f-priority" name="priority">'
        f'{_options(choices["priorities"], chosen["priority"], ("", "Any"))}</select></div>\n'
        '  <div class="field"><label for="f-org">Organisation</label>\n'
        '    <select id="f-org" name="organisation">'
        f'{_options(choices["organisations"], chosen["organisation"], ("", "Any"))}'
        '</select></div>\n')
