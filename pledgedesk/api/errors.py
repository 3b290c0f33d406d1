"""Every error the API returns has one JSON shape: ``{"code", "message", "field"}``.

- DeskError (from services, selectors and the permission check): its own code and status.
- Request validation (unknown field, wrong type, bad enum, text a database cannot store): 422
  ``invalid`` with ``field`` the dotted path of the first problem and ``errors`` listing all.
- Malformed JSON: 400 ``malformed_json``; an unreadable multipart body 400
  ``malformed_multipart``. A body over ``PLEDGEDESK_MAX_BODY_BYTES``: 413
  ``too_large``. No or bad credentials: 401 ``unauthenticated`` (with WWW-Authenticate).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from pledgedesk.errors import DeskError

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
_SOURCES = {"body", "query", "path", "header", "form", "file", "cookie"}
_PARAM_NAMES = {"payload", "filters"}


class BodyTooLarge(Exception):
    def __init__(self, size: int, limit: int):
        super().__init__(f"request body is {size} bytes; the limit is {limit} bytes")


def max_body_bytes() -> int:
    return int(getattr(settings, "PLEDGEDESK_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


class BoundedJsonParser(Parser):
    """JSON bodies up to ``PLEDGEDESK_MAX_BODY_BYTES``, checked before the body is read."""

    def parse_body(self, request: HttpRequest):
        limit = max_body_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise BodyTooLarge(declared, limit)
        body = request.body
        if len(body) > limit:
            raise BodyTooLarge(len(body), limit)
        return json.loads(body)


def error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
          field: str | None = None, **extra) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field, **extra}, status=status)


def _field(loc) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _PARAM_NAMES:
        parts = parts[1:]
    return ".".join(parts) or None


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DeskError)
    def desk_error(request, exc: DeskError):
        return error(api, request, exc.status, exc.code, exc.message, exc.field)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
                  for e in exc.errors]
        first = errors[0] if errors else {"field": None, "message": "invalid input"}
        where = f"{first['field']}: " if first["field"] else ""
        return error(api, request, 422, "invalid", f"{where}{first['message']}",
                     first["field"], errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = error(api, request, 401, "unauthenticated",
                         "a valid API token is required: Authorization: Bearer <token>")
        response["WWW-Authenticate"] = 'Bearer realm="pledgedesk"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        cause = exc.__cause__
        if isinstance(cause, BodyTooLarge | RequestDataTooBig):
            return error(api, request, 413, "too_large", str(cause) or "request body too large")
        if exc.status_code == 400 and cause is not None:
            return error(api, request, 400, "malformed_json",
                         f"the request body is not valid JSON: {cause}")
        return error(api, request, exc.status_code, f"http_{exc.status_code}", str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        # Django's own DATA_UPLOAD_MAX_MEMORY_SIZE, hit before the body reaches the parser.
        return error(api, request, 413, "too_large",
                     f"request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")

    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request, exc):
        return error(api, request, 400, "malformed_multipart",
                     f"the multipart body cannot be read: {exc}", "file")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        # Too many fields or files in one request, and the like: refused, never a 500.
        return error(api, request, 400, "bad_request", str(exc) or "bad request")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error(api, request, 404, "not_found", "not found")
