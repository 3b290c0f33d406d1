"""The pledgedesk command: bad input ends with one clear line on stderr and exit 2."""

import socket
import subprocess
import threading

import pytest

from pledgedesk import __version__
from tests.foundation.helpers import COMMAND, environment, free_port, run, wait_for_http


def assert_one_clear_line(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_version(tmp_path):
    result = run(["--version"], environment(tmp_path))

    assert result.returncode == 0
    assert result.stdout.strip() == f"pledgedesk {__version__}"


def test_no_command_prints_usage_and_fails(tmp_path):
    result = run([], environment(tmp_path))

    assert result.returncode == 2
    assert "usage: pledgedesk" in result.stderr


@pytest.mark.parametrize("url", ["mysql://root@localhost/desk", "mongodb://x/y"])
def test_unknown_database_url_scheme(tmp_path, url):
    result = run(["serve", "--port", str(free_port())], environment(tmp_path, DATABASE_URL=url))

    assert_one_clear_line(result, "DATABASE_URL", "unsupported scheme")


def test_data_dir_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")

    result = run(["serve", "--port", str(free_port())], environment(blocker / "data"))

    assert_one_clear_line(result, "PLEDGEDESK_DATA_DIR", str(blocker / "data"))


def test_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run(["serve", "--port", str(port)], environment(tmp_path))

    assert_one_clear_line(result, f"127.0.0.1:{port}", "already in use")


def test_unreachable_postgres(tmp_path):
    url = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"

    result = run(["serve", "--port", str(free_port())], environment(tmp_path, DATABASE_URL=url))

    assert_one_clear_line(result, "DATABASE_URL", "cannot use the database")
    assert "nowhere" in result.stderr


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_bad_port_argument(tmp_path, port):
    result = run(["serve", "--port", port], environment(tmp_path))

    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_unresolvable_host(tmp_path):
    args = ["serve", "--host", "no-such-host.invalid", "--port", "8000"]

    result = run(args, environment(tmp_path))

    assert_one_clear_line(result, "--host", "no-such-host.invalid")


def test_output_piped_into_a_reader_that_stops_early_is_not_a_traceback(tmp_path):
    # `true` exits before Pledgedesk flushes its output: the write always meets a closed pipe.
    command = f"{' '.join(COMMAND)} policy render policies/crm-severity-colours.toml | true"

    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            env=environment(tmp_path), check=False, timeout=60)

    assert result.stderr == ""


@pytest.mark.parametrize("hosts", ["desk.example.org,desk example.org", "desk.example.org\x07",
                                   "a.example,b\x1b.example", "a.example,b\tc.example"])
def test_allowed_hosts_with_spaces_or_control_characters(tmp_path, hosts):
    env = environment(tmp_path, PLEDGEDESK_ALLOWED_HOSTS=hosts)

    result = run(["serve", "--port", str(free_port())], env)

    assert_one_clear_line(result, "PLEDGEDESK_ALLOWED_HOSTS", "not a host name")


@pytest.mark.parametrize("value", ["soon", "0", "-1", "1.5", "86400"])
def test_read_timeouts_that_are_not_a_sane_number_of_seconds(tmp_path, value):
    for name in ("PLEDGEDESK_HEADER_TIMEOUT", "PLEDGEDESK_BODY_TIMEOUT"):
        result = run(["serve", "--port", str(free_port())],
                     environment(tmp_path, **{name: value}))

        assert_one_clear_line(result, name)


def test_unreachable_redis(tmp_path):
    port = free_port()  # nothing listens there
    env = environment(tmp_path, REDIS_URL=f"redis://:s3cret@127.0.0.1:{port}/0")

    result = run(["serve", "--port", str(free_port())], env)

    assert_one_clear_line(result, "REDIS_URL", f"redis://127.0.0.1:{port}/0")
    assert "s3cret" not in result.stderr


def test_redis_url_pointing_at_something_that_is_not_redis(tmp_path):
    with socket.socket() as listener:  # accepts, then hangs up without a word
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        closer = threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True)
        closer.start()
        env = environment(tmp_path, REDIS_URL=f"redis://127.0.0.1:{listener.getsockname()[1]}")

        result = run(["serve", "--port", str(free_port())], env)

    assert_one_clear_line(result, "REDIS_URL", "cannot use Redis")


# The Redis every machine of this project runs (started before the session and before CI).
LOCAL_REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.slow
def test_reachable_redis_is_accepted_and_the_server_starts(tmp_path):
    env = environment(tmp_path, REDIS_URL=LOCAL_REDIS)
    port = free_port()
    process = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.kill()
        _, stderr = process.communicate(timeout=30)
    assert "REDIS_URL" not in stderr
