"""Pledgedesk's application errors: one family, each with a machine code, the field it concerns
and an HTTP status, so every door (API, pages, email, worker) reports them the same way."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every machine code an error can carry (Zulip's ``ErrorCode``). A code is a promise to
    API clients, who branch on it: it is registered here, never invented where it is raised.
    ``DeskError`` and its subclasses refuse any code that is not a member."""

    ERROR = "error"  # DeskError itself: a subclass should say more
    # The request could not be read
    BAD_REQUEST = "bad_request"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_MULTIPART = "malformed_multipart"
    TOO_LARGE = "too_large"
    # Sent by the server's event loop (pledgedesk.http_worker, which imports nothing of the
    # desk so the benchmark's peer can run it): a body that did not arrive in time.
    REQUEST_TIMEOUT = "request_timeout"
    INVALID = "invalid"
    VERSION_REQUIRED = "version_required"
    # Who is asking, and may they
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    # What is there
    NOT_FOUND = "not_found"
    NO_SUCH_ENDPOINT = "no_such_endpoint"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # The ticket's state does not allow it
    CONFLICT = "conflict"
    NOT_SOLVED = "not_solved"
    NOT_HELD = "not_held"
    TICKET_HELD = "ticket_held"
    TICKET_CLOSED = "ticket_closed"
    TICKET_SOLVED = "ticket_solved"
    ESCALATION_NOT_OFFERED = "escalation_not_offered"
    # The desk's own failure (logged with a request id; nothing of it reaches the caller)
    INTERNAL = "internal_error"


class DeskError(Exception):
    code = ErrorCode.ERROR
    status = 400

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.code = ErrorCode(cls.code)  # an unregistered code fails at import, not in use

    def __init__(self, message: str, *, field: str | None = None,
                 code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = ErrorCode(code)


class InvalidInput(DeskError):
    code = ErrorCode.INVALID
    status = 422


class NotFound(DeskError):
    """Also what a caller gets for an object that exists but is not theirs to see."""

    code = ErrorCode.NOT_FOUND
    status = 404


class PermissionDenied(DeskError):
    """For an object the caller may see but not change (a contact closing a ticket, say)."""

    code = ErrorCode.FORBIDDEN
    status = 403


class Conflict(DeskError):
    code = ErrorCode.CONFLICT
    status = 409


class IntakeRefused(DeskError):
    code = ErrorCode.REFUSED
    status = 403
