"""The changelog's readable difference between two compiled policies (issue 18, PR-9):
computed from the compiled policies, not the text."""

from __future__ import annotations

import re
from pathlib import Path

from pledgedesk.policy.compile import compile_policy
from pledgedesk.policy.diff import policy_diff
from pledgedesk.policy.loader import parse_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def compiled(source: str, key: str):
    return compile_policy(parse_policy(source, f"{key}.toml"), key=key)


def test_same_policy_has_no_change_and_a_reworded_comment_none_either():
    source = (POLICIES / "crm-regional.toml").read_text()
    assert policy_diff(compiled(source, "crm-regional"),
                       compiled(source + "\n# a comment\n", "crm-regional")) == []


def test_changed_target_is_shown_in_words():
    source = (POLICIES / "fax-server-24x7.toml").read_text()
    match = re.search(r'assignment\.urgent = \{ business = "(\d+)m"', source)
    assert match is not None  # the 24x7 plan's after-hours assignment: 30 minutes
    minutes = int(match.group(1))
    changed = source[:match.start(1)] + str(minutes + 60) + source[match.end(1):]
    changes = policy_diff(compiled(source, "fax-server-24x7"),
                          compiled(changed, "fax-server-24x7"))
    assert changes and {c.area for c in changes} == {"targets"}
    assert any(c.text.startswith("Assignment, plan 24x7, priority urgent: ")
               and c.text.endswith(f"{minutes} minutes → 1 hour {minutes} minutes")
               for c in changes), changes
