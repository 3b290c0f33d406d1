"""The support policy file: schema, loading with key-path errors, compiled runtime policy.

Pure Python, no Django. ``load_policy(path)`` is the entry point.
"""

from pledgedesk.policy.compile import Location, Policy, ResolvedTarget
from pledgedesk.policy.errors import PolicyError, PolicyInputError, Problem
from pledgedesk.policy.loader import load_policy, parse_policy

__all__ = [
    "Location",
    "Policy",
    "PolicyError",
    "PolicyInputError",
    "Problem",
    "ResolvedTarget",
    "load_policy",
    "parse_policy",
]
