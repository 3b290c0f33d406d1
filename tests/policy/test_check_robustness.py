"""``policy check`` never raises, whatever is wrong with the file."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledgedesk.cli_policy import main
from tests.policy.helpers import POLICIES, SEEDS

TEXTS = {name: (POLICIES / f"{name}.toml").read_text() for name in SEEDS}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SEEDS), data=st.data())
def test_damaged_policy_files_give_exit_1_never_an_exception(tmp_path, capsys, name, data):
    lines = TEXTS[name].splitlines()
    start = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    length = data.draw(st.integers(min_value=1, max_value=8))
    replacement = data.draw(st.sampled_from(["", "x = 1", "[extra]", 'timezone = "Nowhere/X"',
                                             "default = true", "weekly = {}"]))
    damaged = "\n".join([*lines[:start], replacement, *lines[start + length:]])
    path = tmp_path / f"{name}.toml"
    path.write_text(damaged)
    code = main(["check", str(path)])
    out, _err = capsys.readouterr()
    assert code in (0, 1)
    if code == 1:
        assert out and all(line.startswith(f"{path}:") for line in out.splitlines())
