"""A WSGI app for server tests: ``/pid`` answers at once with the worker's process id,
``/slow?s=N`` holds its worker thread N seconds first (sleeping, so the worker's main loop stays
free to accept); ``/big?kb=N`` answers N KiB in parts."""

import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    if environ["PATH_INFO"] == "/big":  # N KiB in 64 KiB parts: a response that streams
        size = int(parse_qs(environ.get("QUERY_STRING", "")).get("kb", ["512"])[0]) * 1024
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(size))])
        return (b"x" * min(65536, size - offset) for offset in range(0, size, 65536))
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["1"])[0]))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
