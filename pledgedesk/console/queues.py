"""Saved views and bulk actions in the console (issue 16). The queue page loads the views
menu and the bulk action bar as htmx fragments; a view has its own page (its columns, its
sort, the same checkboxes). Each view parses, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.console import selectors as console_selectors
from pledgedesk.console.views import PAGE_SIZE, _actor, _base, agent_required
from pledgedesk.errors import DeskError, InvalidInput, NotFound, PermissionDenied
from pledgedesk.queues import selectors, services
from pledgedesk.queues.bulk import BulkChange, Row, bulk_apply
from pledgedesk.queues.models import SavedView
from pledgedesk.queues.spec import COLUMNS, DEFAULT_COLUMNS, FILTERS
from pledgedesk.tickets import selectors as ticket_selectors
from pledgedesk.web import present

MENU_COUNTS = 20  # views counted in the menu (each a capped count); more are listed uncounted
# The queue's "Show" choice as a saved view's assignee filter.
_SHOW = {"mine": "me", "unassigned": "unassigned"}


@require_safe
@agent_required
def views_menu(request):
    """The views menu on the queue: each view with its capped count, and a form that saves
    the queue's current filters (passed in the query string) as a view."""
    views = list(selectors.views_visible(agent=request.agent))
    counted = [(v, selectors.view_count(principal=request.principal, view=v, now=request.now)
                if i < MENU_COUNTS else None) for i, v in enumerate(views)]
    current = {k: v for k, v in request.GET.items() if k in (*FILTERS, "view") and v}
    return render(request, "console/_views_menu.html", _base(
        request, counted=counted, current=current, columns=COLUMNS.items(),
        default_columns=DEFAULT_COLUMNS, sorts=SavedView.Sort.choices))


def _form_filters(post) -> dict:
    filters = {k: post.get(k) for k in FILTERS if post.get(k)}
    show = post.get("view")
    if show in _SHOW and "assignee" not in filters:
        filters["assignee"] = _SHOW[show]
    return filters


@require_POST
@agent_required
def view_save(request, view_id: int | None = None):
    fields = {"name": request.POST.get("name", ""), "sort": request.POST.get("sort", "queue"),
              "columns": request.POST.getlist("columns"),
              "shared": request.POST.get("shared") == "1"}
    try:
        if view_id is None:
            view = services.view_create(agent=request.agent, filters=_form_filters(
                request.POST), now=request.now, **fields)
        else:
            current = selectors.view_for(agent=request.agent, view_id=view_id)
            view = services.view_update(agent=request.agent, view_id=view_id,
                                        filters=current.filters, now=request.now, **fields)
    except NotFound:
        raise Http404("no such view") from None
    except DeskError as error:
        messages.error(request, f"The view was not saved: {error.message}")
        return redirect("console:view", view_id) if view_id else redirect("console:queue")
    messages.success(request, f"Saved the view “{view.name}”"
                     f"{' (shared with every agent)' if view.shared else ''}.")
    return redirect("console:view", view.pk)


@require_POST
@agent_required
def view_delete(request, view_id: int):
    try:
        services.view_delete(agent=request.agent, view_id=view_id)
    except NotFound:
        raise Http404("no such view") from None
    except PermissionDenied as error:
        messages.error(request, error.message)
        return redirect("console:view", view_id)
    messages.success(request, "Deleted the view.")
    return redirect("console:queue")


@require_safe
@agent_required
def view_page(request, view_id: int):
    try:
        view = selectors.view_for(agent=request.agent, view_id=view_id)
        cursor = request.GET.get("cursor") or None
        page = selectors.view_page(principal=request.principal, view=view, cursor=cursor,
                                   limit=PAGE_SIZE, now=request.now)
    except (NotFound, InvalidInput):
        raise Http404("no such view or page") from None
    timers = ticket_selectors.with_list_facts(page.tickets)
    count = selectors.view_count(principal=request.principal, view=view, now=request.now)
    return render(request, "console/view.html", _base(
        request, view=view, page=page, rows=present.rows(page.tickets, request.now,
                                                         timers=timers),
        count=count, columns=[(k, COLUMNS[k]) for k in view.columns], cursor=cursor or "",
        all_columns=COLUMNS.items(), sorts=SavedView.Sort.choices, section="queue",
        **_bar_choices()))


def _bar_choices() -> dict:
    agents, groups = console_selectors.assignable()
    choices = console_selectors.filter_choices()
    return {"bar_agents": agents, "bar_groups": groups, "bar_statuses": choices["statuses"],
            "bar_priorities": choices["priorities"]}


@require_safe
@agent_required
def bulk_bar(request):
    """The action bar under the queue (an htmx fragment): what to change on the rows whose
    checkboxes are ticked."""
    return render(request, "console/_bulk_bar.html", _base(request, **_bar_choices()))


def _rows(values: list[str]) -> list[Row]:
    rows = []
    for value in values:
        number, _, version = value.partition(":")
        if not (number.isdigit() and version.isdigit() and len(value) < 40):
            raise InvalidInput("a selected row is not one the queue showed", field="row")
        rows.append(Row(number=int(number), version=int(version)))
    return rows


def _tags(raw: str) -> list[str]:
    return sorted({t for t in raw.replace(",", " ").split() if t})


@require_POST
@agent_required
def bulk(request):
    """Apply the action bar's change to each ticked row; a page of per-row results."""
    post = request.POST
    try:
        results = bulk_apply(
            principal=request.principal, actor=_actor(request), now=request.now,
            rows=_rows(post.getlist("row")),
            change=BulkChange(assignee=post.get("assignee") or None,
                              group=post.get("group") or None,
                              status=post.get("status") or None,
                              priority=post.get("priority") or None,
                              add_tags=_tags(post.get("add_tags", "")),
                              remove_tags=_tags(post.get("remove_tags", ""))))
    except InvalidInput as error:
        messages.error(request, f"Nothing was changed: {error.message}")
        return render(request, "console/bulk_results.html", _base(
            request, results=[], back=_back(post), section="queue"), status=400)
    changed = sum(r.ok for r in results)
    return render(request, "console/bulk_results.html", _base(
        request, results=results, changed=changed, failed=len(results) - changed,
        back=_back(post), section="queue"))


def _back(post) -> str:
    """Where "back" goes: the page the rows came from, if it is one of ours."""
    back = post.get("back", "")
    safe = back.startswith("/console/") and "//" not in back and "\\" not in back
    return back if safe else "/console/"
