"""The one place that decides between an htmx fragment and a full page (NetBox
``utilities/htmx.py``). Views name both templates and call :func:`render_page`; the full
template includes the fragment, so the two can never say different things."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def is_partial(request: HttpRequest) -> bool:
    """An htmx request (polling, a swapped panel) that is not a boosted navigation."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true")


def render_page(request: HttpRequest, template: str, context: dict, *,
                partial: str | None = None, status: int = 200) -> HttpResponse:
    name = partial if partial is not None and is_partial(request) else template
    response = render(request, name, context, status=status)
    response.headers["Vary"] = "HX-Request"
    return response


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a plain redirect, or for an htmx request (a poll whose
    session has expired, say) an ``HX-Redirect`` so the whole page moves instead of a sign-in
    form landing inside a table."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
