import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pledgedesk import __version__
from pledgedesk.accounts.authorization import principal_for
from pledgedesk.versions.policies import policy_for
from pledgedesk.versions.selectors import policy_version_newest_id, policy_versions_all
from pledgedesk.web import health


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed-in people go to their side of the desk; everyone else chooses a door."""
    if request.user.is_authenticated:
        principal = principal_for(request.user)
        if principal.is_agent:
            return redirect("console:queue")
        if principal.contact is not None:
            return redirect("portal:tickets")
    return render(request, "web/home.html", {"version": __version__})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: 200 only when the database answers and its schema is current,
    else 503 with the reason in one short line."""
    problem = health.database_problem()
    if problem is not None:
        return JsonResponse({"status": "unavailable", "version": __version__,
                             "database": connection.vendor, "reason": problem}, status=503)
    return JsonResponse({"status": "ok", "version": __version__, "database": connection.vendor})


logger = logging.getLogger(__name__)
PRIORITY_CSS_KEY = "web:priority-css"


def _cache(step):
    """A cache read or write that may fail: with REDIS_URL the cache is Redis, and a Redis
    outage made this stylesheet a 500 while the page around it answered. The sheet is
    computed instead, and the outage logged."""
    try:
        return step()
    except Exception:
        logger.warning("cache unavailable; priority colours computed without it", exc_info=True)
        return None


@require_safe
def priority_css(request: HttpRequest) -> HttpResponse:
    """Each policy's priority colours as CSS classes (``prio-<policy>-<priority>``): the
    Content Security Policy allows no inline styles, so colours from the file come from here."""
    # The newest version's id says whether the cached sheet is current.
    seen = policy_version_newest_id()
    cached = _cache(lambda: cache.get(PRIORITY_CSS_KEY))
    if cached is None or cached[0] != seen:
        rules = {}
        for version in policy_versions_all():
            for prio in policy_for(version).priorities:
                rules[f"prio-{version.key}-{prio.key}"] = prio.colour
        css = "".join(f".{name}{{--prio:{colour}}}\n" for name, colour in rules.items())
        _cache(lambda: cache.set(PRIORITY_CSS_KEY, (seen, css), timeout=3600))
    else:
        css = cached[1]
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=60"
    return response
