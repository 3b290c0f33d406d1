"""Saving, changing and deleting saved views. Only a view's owner changes or deletes it; a
shared view is used by every agent but stays its owner's. Each service is one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent
from pledgedesk.errors import Conflict, NotFound, PermissionDenied
from pledgedesk.queues.models import SavedView
from pledgedesk.queues.spec import view_spec


def view_create(*, agent: Agent, name: str, filters: Mapping, sort: str = "queue",
                columns: Sequence[str] = (), shared: bool = False,
                now: datetime) -> SavedView:
    spec = view_spec(name=name, filters=filters, sort=sort, columns=columns, shared=shared)
    view = SavedView(owner=agent, name=spec.name, filters=spec.filters, sort=spec.sort,
                     columns=spec.columns, shared=spec.shared, created_at=now, updated_at=now)
    return _saved(view)


def view_update(*, agent: Agent, view_id: int, name: str, filters: Mapping, sort: str,
                columns: Sequence[str], shared: bool, now: datetime) -> SavedView:
    spec = view_spec(name=name, filters=filters, sort=sort, columns=columns, shared=shared)
    with transaction.atomic():
        view = _own(agent, view_id, "change")
        view.name, view.filters, view.sort = spec.name, spec.filters, spec.sort
        view.columns, view.shared, view.updated_at = spec.columns, spec.shared, now
        return _saved(view)


def view_delete(*, agent: Agent, view_id: int) -> None:
    with transaction.atomic():
        _own(agent, view_id, "delete").delete()


def _own(agent: Agent, view_id: int, what: str) -> SavedView:
    """The view, locked, if the agent may ``what`` it: their own. Someone else's shared view
    is visible, so refused (403); a personal one of someone else is "not found"."""
    view = SavedView.objects.select_for_update().filter(pk=view_id).first()
    if view is None or (view.owner_id != agent.pk and not view.shared):
        raise NotFound(f"view {view_id} not found")
    if view.owner_id != agent.pk:
        raise PermissionDenied(f"only the view's owner can {what} it")
    return view


def _saved(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise Conflict(f"you already have a view named {view.name!r}", field="name") from None
    return view
