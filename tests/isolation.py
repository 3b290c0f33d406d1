"""Loaded by pytest before any other plugin (``-p tests.isolation`` in pyproject.toml), so it
runs before pytest-django imports the settings: every test run gets a fresh data directory and
never touches a real one."""

import os
import tempfile

os.environ["PLEDGEDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="pledgedesk-test-")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` check PostgreSQL's own behaviour (its planner, its
    connection checks): the PostgreSQL leg of .ci/run runs them, and a run on the embedded
    SQLite leaves them out at collection. They are deselected there, never skipped, so a
    skip in the report is always a real one."""
    from urllib.parse import urlsplit

    from pledgedesk.config import POSTGRES_SCHEMES

    scheme = urlsplit(os.environ.get("DATABASE_URL", "")).scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        return
    elsewhere = [item for item in items if item.get_closest_marker("postgresql")]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
