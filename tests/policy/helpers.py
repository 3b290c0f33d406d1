"""Shared helpers for the policy tests: the shipped seed policies, loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pledgedesk.policy import Policy, load_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SEEDS = ("crm-severity-colours", "crm-named-severities", "ecommerce-platform",
         "fax-server-24x7", "crm-regional")


@cache
def seed(name: str) -> Policy:
    return load_policy(POLICIES / f"{name}.toml")
