"""URL patterns of the API, included by the project at ``api/v1/`` (namespace ``api-v1``)."""

from functools import wraps

from django.http import HttpResponseNotAllowed, JsonResponse

from pledgedesk.api.main import api

app_name = "api-v1"
urlpatterns = api.urls[0]


def _json_not_allowed(view):
    """Ninja answers a wrong method with a plain-text 405; give it the API's error shape."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"code": "method_not_allowed", "field": None,
                                     "message": f"{request.method} is not allowed here; "
                                                f"use {allowed}"}, status=405)
            response["Allow"] = allowed
        return response

    return wrapped


for _pattern in urlpatterns:
    _pattern.callback = _json_not_allowed(_pattern.callback)
