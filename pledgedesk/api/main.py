"""The JSON API, mounted at ``/api/v1/``; its OpenAPI schema is ``/api/v1/openapi.json``.

Every endpoint needs a bearer token (``api.auth``); errors share one shape (``api.errors``).
"""

from __future__ import annotations

from ninja import NinjaAPI

import pledgedesk.api.kb as knowledge_base
import pledgedesk.api.reports as sla_reports
from pledgedesk import __version__
from pledgedesk.api import (
    attachments,
    bulk,
    csat,
    errors,
    inbound_mail,
    macros,
    merge,
    notifications,
    oncall,
    outbox,
    policy_versions,
    proservices,
    search,
    tickets,
    timers,
    views,
    webhooks,
    widget,
)
from pledgedesk.api.auth import TokenAuth

api = NinjaAPI(
    title="Pledgedesk API",
    version="1",
    description=(
        "Tickets, their conversation, SLA timers and history. Authenticate with "
        "`Authorization: Bearer <token>`. Errors are `{code, message, field}`. Text fields "
        "come back exactly as stored: escape them, or render the `*_html` fields, which are "
        f"sanitised. Pledgedesk {__version__}."
    ),
    auth=TokenAuth(),
    parser=errors.BoundedJsonParser(),
    urls_namespace="api-v1",
    docs_url=None,
)
errors.install(api)
api.add_router("", bulk.router)  # before tickets: /tickets/bulk is not /tickets/{number}
api.add_router("", tickets.router)
api.add_router("", attachments.router)
api.add_router("", timers.router)
api.add_router("", outbox.router)
api.add_router("", notifications.router)
api.add_router("", oncall.router)
api.add_router("", widget.router)
api.add_router("", webhooks.router)
api.add_router("", search.router)
api.add_router("", knowledge_base.router)  # issue 18
api.add_router("", sla_reports.router)  # issue 19
api.add_router("", views.router)
api.add_router("", macros.router)  # issue 16: macros and merging
api.add_router("", merge.router)
api.add_router("", csat.router)  # issue 16: satisfaction survey
api.add_router("", proservices.router)
api.add_router("", inbound_mail.router)  # issue 14: mail waiting for a person
api.add_router("", policy_versions.router)  # issue 18 (PR-9): a policy's versions
