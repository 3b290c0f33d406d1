"""Uploads through every door: how much of a request body is read, and the portal's and the
console's multi-file field.

Each route says how many files it takes (``accepts_files``; none by default), which gives its
limit: that many attachments of at most ``PLEDGEDESK_MAX_ATTACHMENT_BYTES``, the form's text
fields (at most Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which Django enforces itself) and the
multipart envelope. A request that declares a longer body is refused with a 413 before one
byte of it is read; one whose length is absent or lies is read only up to the limit, and a
file stops being read as soon as it passes the attachment limit.

Where the guard goes in: a page's form is read by the CSRF check before any view runs (so the
portal's request form once read a 300 MiB upload to the end before refusing it, issue 13);
``UploadLimitMiddleware`` guards and reads it first. The API's views are CSRF-exempt and read
their own body after checking the caller; ``accepts_files`` guards them when they run.

The files themselves are stored by the ticket services (``tickets.attachments``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve

from pledgedesk.tickets.attachments import (
    MAX_FILES,
    TooLarge,
    check_attachment_size,
    max_attachment_bytes,
)

# Boundary lines and part headers around one part, generously: a browser's are ~200 bytes.
PART_ENVELOPE = 16 * 1024
DEFAULT_FIELD_BYTES = 2_621_440  # Django's default DATA_UPLOAD_MAX_MEMORY_SIZE


class UploadTooLarge(TooLarge, MultiPartParserError):
    """Raised while Django parses the body. A TooLarge, so the API answers it like any other
    (413, field ``file``); a MultiPartParserError, so Django marks the body unreadable and
    nothing parses it again."""


@dataclass(frozen=True)
class UploadLimit:
    files: int
    field_bytes: int

    @property
    def file_bytes(self) -> int:
        return max_attachment_bytes()

    @property
    def total(self) -> int:
        return (self.files * (self.file_bytes + PART_ENVELOPE) + self.field_bytes
                + PART_ENVELOPE)

    def refusal(self, size: int) -> UploadTooLarge:
        """What is said when the whole upload is ``size`` bytes, over ``total``."""
        if self.files == 0:
            return UploadTooLarge("this form takes no files", field="file")
        most = f", {self.files} files at most" if self.files > 1 else ""
        return UploadTooLarge(f"upload is {size} bytes; the attachment limit is "
                              f"{self.file_bytes} bytes{most}", field="file")

    def file_refusal(self) -> UploadTooLarge:
        if self.files == 0:
            return UploadTooLarge("this form takes no files", field="file")
        return UploadTooLarge(f"a file is larger than the attachment limit of "
                              f"{self.file_bytes} bytes", field="file")


def accepts_files(files: int, *, field_bytes: int | None = None):
    """A view (a page, or a Django Ninja operation) that takes up to ``files`` uploads, with
    form fields of at most ``field_bytes`` (default: Django's own limit)."""

    def mark(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            _guard(request, upload_limit(guarded))
            return view(request, *args, **kwargs)

        guarded.upload_limit = (files, field_bytes)
        _ROUTES.append(guarded)
        # Django Ninja reads the parameters' types from the signature; resolved here, where
        # the view's own module can name them (its annotations are strings to this module).
        guarded.__signature__ = inspect.signature(view, eval_str=True)
        return guarded

    return mark


def request_body_floor() -> int:
    """What every route takes at least (a form or JSON body): a request declaring no more
    needs no look-up of its route."""
    return upload_limit(None).total


def request_body_limit(path: str) -> int:
    """The most a request to ``path`` may send, for the server's event loop to refuse on before
    it reads a byte (issue 13: the front used to read up to its own 101 MiB before Django saw
    the route). A page route takes what its ``accepts_files`` allows, or its form; the API,
    whose handlers are behind one dispatcher, takes the largest body any of its routes does."""
    try:
        view = resolve(path).func
    except Resolver404:
        return upload_limit(None).total
    if getattr(view, "upload_limit", None) is not None:
        return upload_limit(view).total
    if getattr(view, "csrf_exempt", False):
        api = [upload_limit(r).total for r in _ROUTES if r.__module__.startswith("pledgedesk.api")]
        return max([upload_limit(None).total, *api])
    return upload_limit(view).total


# Every function ``accepts_files`` marks: the API's operations are not Django views of their
# own, so the dispatcher in front of them takes the largest of their limits.
_ROUTES: list = []


def upload_limit(view) -> UploadLimit:
    """The limit of the route ``view`` serves."""
    files, field_bytes = getattr(view, "upload_limit", None) or (0, None)
    if field_bytes is None:
        field_bytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_FIELD_BYTES
    return UploadLimit(files=files, field_bytes=field_bytes)


class UploadLimitMiddleware:
    """Put it before CsrfViewMiddleware, whose check reads the whole form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        if getattr(view, "csrf_exempt", False):
            return None  # the API reads its own body, after it has checked the caller
        _guard(request, upload_limit(view))
        try:
            request.POST  # noqa: B018 (the CSRF check reads it next; a refusal is ours to make)
        except UploadTooLarge as refused:
            return render(request, "web/too_large.html", {"message": refused.message},
                          status=413)
        return None


def _guard(request, limit: UploadLimit) -> None:
    """Make ``limit``'s guard the request's first upload handler, once, before the body is
    read (afterwards there is nothing left to guard)."""
    if hasattr(request, "_files") or any(isinstance(h, _Guard)
                                          for h in request.upload_handlers):
        return
    request.upload_handlers.insert(0, _Guard(limit))


class _Guard(FileUploadHandler):
    """First of the request's upload handlers: counts what is read, refuses what is over."""

    def __init__(self, limit: UploadLimit):
        super().__init__()
        self.limit = limit
        self.read = 0
        self.in_file = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit.total:
            raise self.limit.refusal(content_length)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.in_file = 0

    def receive_data_chunk(self, raw_data, start):
        self.read += len(raw_data)
        self.in_file += len(raw_data)
        if self.limit.files == 0 or self.in_file > self.limit.file_bytes:
            raise self.limit.file_refusal()
        if self.read > self.limit.total:
            raise self.limit.refusal(self.read)
        return raw_data

    def file_complete(self, file_size):
        return None


# --- forms -----------------------------------------------------------------------------------


class DeskForm(forms.Form):
    """A form whose labels carry no trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked against the attachment size limit before any is
    stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(d, initial) for d in data] if isinstance(data, list | tuple) else (
            [single(data, initial)] if data else [])
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Attach at most {MAX_FILES} files at once.")
        for upload in files:
            try:
                check_attachment_size(upload.size)
            except TooLarge as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from None
            if not upload.size:
                raise forms.ValidationError(f"{upload.name} is empty.")
        return files
