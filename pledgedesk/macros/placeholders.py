"""The placeholders a macro's body may name, substituted from a fixed list: ``{{name}}`` with
``name`` one of ``PLACEHOLDERS``. Nothing else in the text is interpreted (no template
language runs on what an agent typed), an unknown name is refused when the macro is saved, and
a value is inserted as plain text, never re-read for placeholders."""

from __future__ import annotations

import re
from collections.abc import Mapping

PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")

PLACEHOLDERS = {
    "requester.name": "The requester's name",
    "requester.first_name": "The requester's first name",
    "ticket.number": "The ticket number",
    "ticket.subject": "The ticket's subject",
    "ticket.status": "The ticket's status, in the policy's words",
    "ticket.priority": "The ticket's priority, in the policy's words",
    "organisation.name": "The requester's organisation",
    "agent.name": "Your name",
    "promises": "Every running promise with its due time in the customer's zone, one a line",
    "promise.next": "The next promise due, with its time in the customer's zone",
}


def unknown(body: str) -> list[str]:
    """The placeholder names in ``body`` that are not in ``PLACEHOLDERS``."""
    return sorted({m.group(1) for m in PATTERN.finditer(body)} - PLACEHOLDERS.keys())


def fill(body: str, values: Mapping[str, str]) -> str:
    """``body`` with each known placeholder replaced by its value (one pass, so a value that
    itself looks like a placeholder stays as written)."""
    return PATTERN.sub(lambda m: str(values.get(m.group(1), m.group(0))), body)
