"""Fixtures for publishing policy versions (PR-9, issue 18): a private copy of the policy
directory, and the next version of a policy written as a draft file named after its key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.page_fixtures import (  # noqa: F401 (fixtures, found by name)
    _fast_hashing,
    _no_sign_in_counters_from_other_tests,
    at_now,
)

RED_RESOLUTION = ("targets.red = { business_days = 1 }", "targets.red = { business_days = 2 }")


@pytest.fixture
def policy_dir(tmp_path, settings):
    copy = tmp_path / "policies"
    shutil.copytree(settings.PLEDGEDESK_POLICY_DIR, copy)
    settings.PLEDGEDESK_POLICY_DIR = str(copy)
    return copy


@pytest.fixture
def draft(tmp_path, policy_dir):
    """``draft(key, version, *replacements, effective=None, announced=False)``: the policy
    file of ``key`` with its version set, each (old, new) replaced once, optionally its
    ``effective`` date and ``changes_announced_on``; written to drafts/KEY.toml."""
    (tmp_path / "drafts").mkdir()

    def write(key: str, version: str, *replacements: tuple[str, str],
              effective: str | None = None, announced: bool = False) -> Path:
        text = (policy_dir / f"{key}.toml").read_text(encoding="utf-8")
        text = text.replace('version = "2"', f'version = "{version}"', 1)
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        if effective is not None:
            text = text.replace("effective = 2026-01-01", f"effective = {effective}", 1)
        if announced:
            text = text.replace("[policy]\n", '[policy]\nchanges_announced_on = ["our portal"]\n',
                                1)
        path = tmp_path / "drafts" / f"{key}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
