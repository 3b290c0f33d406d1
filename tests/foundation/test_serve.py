"""The embedded default boots: the real ``pledgedesk serve`` and ``demo`` as subprocesses."""

import http.cookiejar
import re
import signal
import sqlite3
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.foundation.helpers import COMMAND, environment, free_port, wait_for_http

pytestmark = pytest.mark.slow


@pytest.fixture
def start_server(tmp_path):
    processes = []

    def start(command: str) -> tuple[str, subprocess.Popen]:
        port = free_port()
        process = subprocess.Popen(
            [*COMMAND, command, "--port", str(port), "--workers", "1"],
            env=environment(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", process)
        return base, process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    return process.returncode, stdout, stderr


def test_serve_answers_http_on_the_embedded_default_and_stops_cleanly(start_server, tmp_path):
    base, process = start_server("serve")

    with urllib.request.urlopen(f"{base}/") as response:
        page = response.read().decode()
        headers = response.headers
    with urllib.request.urlopen(f"{base}/healthz") as response:
        health = response.read().decode()
    with urllib.request.urlopen(f"{base}/static/admin/css/base.css") as response:
        assert response.status == 200

    assert "<h1>Pledgedesk</h1>" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert '"database": "sqlite"' in health
    database = tmp_path / "pledgedesk.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    returncode, stdout, stderr = stop(process)
    assert returncode == 0, stderr
    assert "gunicorn" in stderr.lower()  # a production server, not Django's runserver
    assert "Traceback" not in stderr
    assert "pledgedesk manage createsuperuser" in stdout


def test_demo_prints_a_login_that_works(start_server):
    base, process = start_server("demo")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/admin/login/") as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    # The login line is printed before the server starts listening, so it is already there.
    line = ""
    while "password" not in line:
        line = process.stdout.readline()
    username, password = re.search(r"as '([^']+)' with password '([^']+)'", line).groups()
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password,
         "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/admin/login/?next=/admin/", data=body, headers={"Referer": f"{base}/admin/login/"}
    )
    with opener.open(request) as response:
        landed = response.geturl()
        admin = response.read().decode()

    assert landed.endswith("/admin/")
    assert "Site administration" in admin
    returncode, _, stderr = stop(process)
    assert returncode == 0, stderr
