"""URL patterns of the API, included by the project at ``api/v1/`` (namespace ``api-v1``)."""

from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.urls import re_path

from pledgedesk.api.errors import error_response
from pledgedesk.api.main import api
from pledgedesk.errors import ErrorCode

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
            response = error_response(405, ErrorCode.METHOD_NOT_ALLOWED,
                                      f"{request.method} is not allowed here; use {allowed}")
            response["Allow"] = allowed
        return response

    return wrapped


def _no_such_endpoint(request, rest: str):
    return error_response(404, ErrorCode.NO_SUCH_ENDPOINT,
                          f"/api/v1/{rest} is not an endpoint; see /api/v1/openapi.json")


for _pattern in urlpatterns:
    _pattern.callback = _json_edges(_pattern.callback)
urlpatterns = [*urlpatterns, re_path(r"^(?P<rest>.*)$", _no_such_endpoint)]
