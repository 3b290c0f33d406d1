"""Loaded by pytest before any other plugin (``-p tests.isolation`` in pyproject.toml), so it
runs before pytest-django imports the settings: every test run gets a fresh data directory and
never touches a real one."""

import os
import tempfile

os.environ["PLEDGEDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="pledgedesk-test-")
