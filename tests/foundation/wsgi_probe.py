"""A WSGI app for server tests: ``/pid`` answers at once with the worker's process id,
``/slow?s=N`` holds its worker thread N seconds first (sleeping, so the worker's main loop stays
free to accept)."""

import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["1"])[0]))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
