"""Every response the API gives for an error has one JSON shape, built by ``error_body``:
``{"code", "message", "field"}`` with ``code`` a member of ``pledgedesk.errors.ErrorCode``.

- DeskError (from services, selectors and the permission check): its own code and status.
- Request validation (unknown field, wrong type, bad enum, text a database cannot store): 422
  ``invalid`` with ``field`` the dotted path of the first problem. Every 422, a service's
  InvalidInput included, lists its problems in ``errors`` (the schema's ValidationErrorOut).
- Malformed JSON: 400 ``malformed_json``; an unreadable multipart body 400
  ``malformed_multipart``. A body over ``PLEDGEDESK_MAX_BODY_BYTES``: 413
  ``too_large``. No or bad credentials: 401 ``unauthenticated`` (with WWW-Authenticate).
- Anything else (a dropped database connection, a bug): 500 ``internal_error``, logged with a
  fresh request id that the body (``request_id``) and the ``X-Request-Id`` header carry; the
  body says nothing of the failure itself. ``server_error`` does the same for a failure
  outside a handler (a middleware), so no API path ever answers with Django's HTML page.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from pledgedesk.bounds import MAX_JSON_BODY_BYTES
from pledgedesk.errors import DeskError, ErrorCode

DEFAULT_MAX_BODY_BYTES = MAX_JSON_BODY_BYTES
_SOURCES = {"body", "query", "path", "header", "form", "file", "cookie"}
_PARAM_NAMES = {"payload", "filters"}
_HTTP_CODES = {400: ErrorCode.BAD_REQUEST, 401: ErrorCode.UNAUTHENTICATED,
               403: ErrorCode.FORBIDDEN, 404: ErrorCode.NOT_FOUND,
               405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.TOO_LARGE,
               429: ErrorCode.RATE_LIMITED}
JSON = "application/json; charset=utf-8"
logger = logging.getLogger("pledgedesk.api")


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


def error_body(status: int, code: ErrorCode, message: str, field: str | None = None, *,
               errors: list[dict] | None = None, request_id: str | None = None) -> dict:
    """The one place the API's error shape is built. A 422 always lists its problems."""
    body = {"code": str(ErrorCode(code)), "message": message, "field": field}
    if status == 422:
        body["errors"] = errors if errors is not None else [{"field": field, "message": message}]
    if request_id is not None:
        body["request_id"] = request_id
    return body


def error_response(status: int, code: ErrorCode, message: str, field: str | None = None, *,
                   errors: list[dict] | None = None,
                   request_id: str | None = None) -> HttpResponse:
    body = error_body(status, code, message, field, errors=errors, request_id=request_id)
    response = HttpResponse(json.dumps(body), status=status, content_type=JSON)
    if request_id is not None:
        response["X-Request-Id"] = request_id
    return response


def internal_error(request: HttpRequest, exc: BaseException | None) -> HttpResponse:
    """A 500 in the error shape. The failure goes to the log under a new request id; the
    caller gets only the id, never the exception's text (it can name hosts, users, SQL)."""
    request_id = uuid.uuid4().hex
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else False
    logger.error("API request failed, request id %s: %s %r", request_id, request.method,
                 request.path, exc_info=exc_info, extra={"request_id": request_id})
    return error_response(
        500, ErrorCode.INTERNAL,
        f"the desk could not complete this request; quote request id {request_id} if you "
        "report it", request_id=request_id)


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The project's ``handler500``: for an API path (a failure outside any handler, in a
    middleware say), the API's error shape; for a page, Django's own 500 page."""
    if request.path_info.startswith("/api/"):
        return internal_error(request, sys.exc_info()[1])
    return defaults.server_error(request, *args, **kwargs)


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
        return error_response(exc.status, exc.code, exc.message, exc.field)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
                  for e in exc.errors]
        first = errors[0] if errors else {"field": None, "message": "invalid input"}
        where = f"{first['field']}: " if first["field"] else ""
        return error_response(422, ErrorCode.INVALID, f"{where}{first['message']}",
                              first["field"], errors=errors or [first])

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = error_response(401, ErrorCode.UNAUTHENTICATED,
                                  "a valid API token is required: Authorization: Bearer <token>")
        response["WWW-Authenticate"] = 'Bearer realm="pledgedesk"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        cause = exc.__cause__
        if isinstance(cause, BodyTooLarge | RequestDataTooBig):
            return error_response(413, ErrorCode.TOO_LARGE,
                                  str(cause) or "request body too large")
        if exc.status_code == 400 and cause is not None:
            return error_response(400, ErrorCode.MALFORMED_JSON,
                                  f"the request body is not valid JSON: {cause}")
        return error_response(exc.status_code,
                              _HTTP_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST), str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        # Django's own DATA_UPLOAD_MAX_MEMORY_SIZE, hit before the body reaches the parser.
        return error_response(
            413, ErrorCode.TOO_LARGE,
            f"request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")

    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request, exc):
        return error_response(400, ErrorCode.MALFORMED_MULTIPART,
                              f"the multipart body cannot be read: {exc}", "file")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        # Too many fields or files in one request, and the like: refused, never a 500.
        return error_response(400, ErrorCode.BAD_REQUEST, str(exc) or "bad request")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(404, ErrorCode.NOT_FOUND, "not found")

    @api.exception_handler(Exception)
    def failed(request, exc: Exception):
        return internal_error(request, exc)
