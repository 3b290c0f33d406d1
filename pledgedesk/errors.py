"""Pledgedesk's application errors: one family, each with a machine code, the field it concerns
and an HTTP status, so every door (API, pages, email, worker) reports them the same way."""

from __future__ import annotations


class DeskError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DeskError):
    code = "invalid"
    status = 422


class NotFound(DeskError):
    """Also what a caller gets for an object that exists but is not theirs to see."""

    code = "not_found"
    status = 404


class PermissionDenied(DeskError):
    """For an object the caller may see but not change (a contact closing a ticket, say)."""

    code = "forbidden"
    status = 403


class Conflict(DeskError):
    code = "conflict"
    status = 409


class IntakeRefused(DeskError):
    code = "refused"
    status = 403
