"""URL patterns of the API, included by the project at ``api/v1/`` (namespace ``api-v1``)."""

from functools import wraps

from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import re_path

from pledgedesk.api.main import api

app_name = "api-v1"
urlpatterns = api.urls[0]


def _json_edges(view):
    """Ninja answers a wrong method with a plain-text 405, and its root path with Django's
    HTML 404; give both the API's error shape."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _no_such_endpoint(request, request.path.removeprefix("/api/v1/"))
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"code": "method_not_allowed", "field": None,
                                     "message": f"{request.method} is not allowed here; "
                                                f"use {allowed}"}, status=405)
            response["Allow"] = allowed
        return response

    return wrapped


def _no_such_endpoint(request, rest: str):
    return JsonResponse({"code": "no_such_endpoint", "field": None,
                         "message": f"/api/v1/{rest} is not an endpoint; see /api/v1/openapi.json"},
                        status=404)


for _pattern in urlpatterns:
    _pattern.callback = _json_edges(_pattern.callback)
urlpatterns = [*urlpatterns, re_path(r"^(?P<rest>.*)$", _no_such_endpoint)]
