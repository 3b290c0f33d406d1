"""The import-linter contracts in pyproject.toml (run by .ci/run as ``lint-imports``) hold for
the tree, and each one breaks on the kind of import it exists to refuse. Each case copies the
package to a temporary directory, adds one import there and runs ``lint-imports`` on the copy
with the project's own configuration."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tmp_path: Path, *, add: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    """lint-imports over a copy of the package, with line ``add[1]`` appended to module file
    ``add[0]`` (a path inside the package)."""
    shutil.copytree(ROOT / "pledgedesk", tmp_path / "pledgedesk",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    if add is not None:
        module, line = add
        with (tmp_path / "pledgedesk" / module).open("a", encoding="utf-8") as file:
            file.write(f"\n{line}  # added by the test\n")
    # The copy comes first on the path, ahead of the installed (editable) package.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )


def test_the_tree_keeps_every_contract(tmp_path):
    result = _lint(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


PURE = ("Pure core: calendar, policy, sla and the on-call rotation import no Django, directly or "
        "indirectly")
LAYERS = "Layers: entry points, doors, web, tickets, accounts, versions, sla, policy, calendar"
DOORS = "Doors write through services, not numbering, timer or version internals"


@pytest.mark.parametrize("module, line, contract, offence", [
    # A lower Django app importing a higher one: accounts reaching into tickets, the cycle
    # the versions app was made to remove.
    ("accounts/services.py", "import pledgedesk.tickets.services", LAYERS,
     "pledgedesk.accounts.services -> pledgedesk.tickets.services"),
    ("versions/policies.py", "import pledgedesk.accounts.models", LAYERS,
     "pledgedesk.versions.policies -> pledgedesk.accounts.models"),
    # The pure core importing upwards (the old simulator cycle), or importing Django.
    ("policy/compile.py", "import pledgedesk.sla.engine", LAYERS,
     "pledgedesk.policy.compile -> pledgedesk.sla.engine"),
    ("sla/engine.py", "import django.utils.timezone", PURE, "pledgedesk.sla.engine -> django"),
    # One door importing another: the doors are independent siblings.
    ("portal/selectors.py", "import pledgedesk.console.selectors", LAYERS,
     "pledgedesk.portal.selectors -> pledgedesk.console.selectors"),
    # A door using a write-path internal instead of a service.
    ("api/render.py", "import pledgedesk.tickets.timers", DOORS,
     "pledgedesk.api.render -> pledgedesk.tickets.timers"),
])
def test_an_import_against_a_contract_fails_the_check(tmp_path, module, line, contract,
                                                      offence):
    result = _lint(tmp_path, add=(module, line))

    assert result.returncode == 1, result.stdout + result.stderr
    words = " ".join(result.stdout.split())  # contract names wrap in the report
    assert f"{contract} BROKEN" in words
    assert "Contracts: 2 kept, 1 broken." in words
    assert f"- {offence} (l." in words
