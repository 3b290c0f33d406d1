"""Policy files that cannot be used give one line naming the file, never a traceback: from the
policy tools (exit 1) and at start-up from PLEDGEDESK_POLICY_DIR (exit 2). Issue 13."""

import shutil

import pytest

from pledgedesk.config import SHIPPED_POLICIES
from tests.foundation.helpers import environment, free_port, run
from tests.foundation.test_cli import assert_one_clear_line

DEPTH = 5000


def deep(kind: str) -> str:
    if kind == "array":
        return "x = " + "[" * DEPTH + "]" * DEPTH + "\n"
    return "x = " + "{ a = " * DEPTH + "1" + " }" * DEPTH + "\n"


@pytest.mark.parametrize("kind", ["array", "inline table"])
@pytest.mark.parametrize("tool", [["check"], ["render"],
                                  ["simulate", "--opened", "2026-03-02T09:00:00+00:00"]])
def test_a_file_nested_thousands_deep_is_one_line_naming_it(tmp_path, kind, tool):
    path = tmp_path / "deep.toml"
    path.write_text(deep(kind))

    result = run(["policy", tool[0], str(path), *tool[1:]], environment(tmp_path))

    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr == ""
    assert result.stdout.splitlines() == [f"{path}:(syntax): TOML nested too deeply to read "
                                          "(arrays or inline tables inside each other)"]


@pytest.fixture
def policy_dir(tmp_path):
    directory = tmp_path / "policies"
    shutil.copytree(SHIPPED_POLICIES, directory)
    return directory


def start(tmp_path, policy_dir):
    env = environment(tmp_path / "data", PLEDGEDESK_POLICY_DIR=str(policy_dir))
    return run(["serve", "--port", str(free_port())], env)


def test_start_up_refuses_a_policy_file_with_a_problem_naming_it(tmp_path, policy_dir):
    broken = policy_dir / "broken.toml"
    broken.write_text((policy_dir / "fax-server-24x7.toml").read_text() + "\n[surprise]\nx = 1\n")

    result = start(tmp_path, policy_dir)

    assert_one_clear_line(result, "PLEDGEDESK_POLICY_DIR", f"{broken}:", "surprise")


def test_start_up_refuses_a_deeply_nested_policy_file(tmp_path, policy_dir):
    (policy_dir / "deep.toml").write_text(deep("array"))

    result = start(tmp_path, policy_dir)

    assert_one_clear_line(result, "PLEDGEDESK_POLICY_DIR", str(policy_dir / "deep.toml"),
                          "nested too deeply")


def test_start_up_counts_the_problems_it_does_not_show(tmp_path, policy_dir):
    (policy_dir / "a.toml").write_text("not toml at all")
    (policy_dir / "b.toml").write_text("[policy]\n")

    result = start(tmp_path, policy_dir)

    assert_one_clear_line(result, "PLEDGEDESK_POLICY_DIR", str(policy_dir / "a.toml"), "more")
