"""Pledgedesk's JSON API (Django Ninja), mounted at ``/api/v1/``; schema at ``openapi.json``.

Auth: ``Authorization: Bearer pdk_<prefix>_<secret>`` (``accounts.tokens``: SHA-256 digest at
rest, shown once). Agents and contacts use the same endpoints; what they may see is decided by
``accounts.authorization`` alone, and what they may do by the services.

Endpoints (``{n}`` is the ticket number):

- ``POST /tickets`` open (contact: for themself; agent: ``organisation`` + ``requester``);
  ``GET /tickets`` the queue (filters, keyset ``cursor``/``limit``, ``next_cursor``).
- ``GET|PATCH /tickets/{n}``: PATCH is for agents and needs ``version`` or ``If-Match``.
- ``POST /tickets/{n}/replies|notes|calls|escalation|reopen|exclusions|authorisation``.
- ``GET /tickets/{n}/timers|events|messages|attachments``; ``POST /tickets/{n}/attachments``
  (multipart ``file``); ``GET /attachments/{id}`` (always a download).
- ``GET /timers/breaching?within=60`` (agents).

Status codes: 401 without a valid token (before any lookup); 404 for a ticket the caller may
not see, exactly as for a missing one; 403 for a visible ticket and a forbidden action; 409
for a stale version or a closed ticket; 413 over the body or attachment limit; 422 for
invalid input, naming the field; 400 for malformed JSON. Errors are
``{"code", "message", "field"}`` (``errors`` lists every field problem on a 422).

Contacts see: subject, description, status, priority, channel, topic, hold, organisation,
requester, CC, escalation, the state and promised due/goal/met instants of each timer, public
messages and the public facts of the history. Contacts never see: internal notes and logged
calls, assignee, group, tags, exclusion reasons, intake notes, plan, on-call paging, timer
internals (warnings, business seconds used/paused, reasons) or internal events. Those are in
``internal`` blocks, which are ``null`` for contacts, and in agent-only event kinds.

Text comes back exactly as stored; clients must escape it, or render the ``*_html`` fields,
sanitised by the same allow-list as the portal and console pages (``pledgedesk.sanitise``:
formatting, lists, code, quotes, headings and tables; links keep only ``href`` with safe
schemes and get ``rel="noopener noreferrer nofollow"``).
"""
