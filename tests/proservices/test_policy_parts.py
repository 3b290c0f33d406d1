"""Issue 17's policy parts: hour-bank terms and rules (RK-10), the defect's priority and words
(RK-5), the engagement stages (FG-12), each checked with its key path."""

from __future__ import annotations

import pytest

from pledgedesk.policy.errors import PolicyError
from pledgedesk.policy.loader import parse_policy
from tests.policy.helpers import POLICIES, seed


def _text(name: str) -> str:
    return (POLICIES / f"{name}.toml").read_text(encoding="utf-8")


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(PolicyError) as bad:
        parse_policy(text, "p.toml")
    return {p.key_path: p.message for p in bad.value.problems}


def test_the_seeds_carry_what_their_text_promises():
    rk = seed("crm-severity-colours").spec
    team = rk.teams["product_services"]
    assert [(t.name, t.hours) for t in team.hour_banks] == [("Silver", 10), ("Gold", 20),
                                                             ("Platinum", 30)]
    assert (team.replenish_below, team.term_months) == (0.2, 12)          # RK-10
    assert rk.defects.priority == "high" and "On-Hold" in rk.defects.customer_message  # RK-5
    assert rk.scope.courtesy.typical_minutes == 30                        # RK-11
    fg = seed("fax-server-24x7").spec.engagements                         # FG-12
    assert [s.key for s in fg.stages if s.required] == ["quote_signed", "engineer_assigned"]
    assert set(fg.kinds) == {"install", "migration", "upgrade", "patch", "training",
                             "health_check"}
    assert seed("ecommerce-platform").spec.intake.feature_requests_to == "product"  # RL-8


def test_bad_values_are_named_by_key_path():
    rk = _text("crm-severity-colours")
    found = _problems(rk.replace('at_zero = "allow_and_flag"', 'at_zero = "sometimes"')
                      .replace("term_months = 12 ", "term_months = 0 "))
    assert set(found) == {"teams.product_services.at_zero",
                          "teams.product_services.term_months"}
    found = _problems(rk.replace("term_months = 12 ", "# no term "))
    assert found == {"teams.product_services.term_months": "hour banks need a term in months"}


def test_engagement_stages_are_checked():
    fg = _text("fax-server-24x7")
    found = _problems(fg.replace('team = "professional_services"\nkinds',
                                 'team = "gardeners"\nkinds')
                      .replace('{ key = "in_progress"', '{ key = "done"'))
    assert "unknown team 'gardeners'" in found["engagements.team"]
    assert found["engagements.stages.9.key"] == "stage 'done' appears twice"
    found = _problems(fg.replace('needs = ["scheduled_at"]', 'needs = ["a_date"]'))
    assert list(found) == ["engagements.stages.6.needs.0"]
