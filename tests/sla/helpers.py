"""A small policy written for the clock tests, so each rule is tested on round numbers.

Hours: Monday-Friday 08:00-18:00 UTC (10 business hours a day), no holidays. March 2026:
the 2nd is a Monday, the 6th a Friday, the 9th the next Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from pledgedesk.policy import Policy, parse_policy
from pledgedesk.policy.compile import compile_policy

CLOCK_POLICY = """
[policy]
name = "Clock test policy"
version = "1"
effective = 2026-01-01
contact = "test"
summary = "For tests."
hours_calendar = "hours"

[calendars.hours]
label = "Hours"
timezone = "UTC"
weekly = { "mon-fri" = ["08:00-18:00"] }

[calendars.always]
label = "Always"
timezone = "UTC"
always_open = true

[priorities.high]
label = "High"
colour = "#FF0000"
description = "High."

[priorities.normal]
label = "Normal"
colour = "#0000FF"
description = "Normal."
default = true

[priorities.low]
label = "Low"
colour = "#00FF00"
description = "Low."

[channels.portal]
label = "Portal"
description = "Portal."

[channels.email]
label = "Email"
description = "Email."
sets_priority = false

[plans.standard]
label = "Standard"
description = "Standard."
default = true

[plans.premium]
label = "Premium"
description = "Premium."
extends = "standard"

[plans.premium.targets]
resolution.high = { business = "4h", calendar = "always" }

[metrics.assignment]
label = "Assignment"
description = "Assignment."
calendar = "hours"
targets.high = { business = "30m" }
targets.normal = { business = "1h" }
targets.low = { business = "1h" }

[metrics.first_response]
label = "First response"
description = "First response."
calendar = "hours"
warn_before = "1h"
targets.high = { business = "1h" }
targets.normal = { business = "4h" }
targets.low = { business = "4h" }

[metrics.follow_up]
label = "Follow-up"
description = "Follow-up."
calendar = "hours"
targets.high = { business = "1h" }
targets.normal = { business = "1h" }
targets.low = { business = "1h" }

[metrics.resolution]
label = "Resolution"
description = "Resolution."
calendar = "hours"
targets.high = { business = "10h" }
targets.normal = { business = ["10h", "20h"] }
targets.low = { none = true }

[statuses.new]
label = "New"
category = "new"
description = "New."

[statuses.open]
label = "Open"
category = "open"
description = "Open."

[statuses.pending]
label = "Pending"
category = "pending"
description = "Waiting on the customer."
pauses = ["resolution", "follow_up"]
customer_reply_moves_to = "open"

[statuses.on_hold]
label = "On-Hold"
category = "on_hold"
description = "Waiting on a third party."
pauses = ["resolution"]

[statuses.vendor]
label = "Waiting on vendor"
category = "on_hold"
description = "Waiting on the vendor."
pauses = ["resolution"]

[statuses.solved]
label = "Solved"
category = "solved"
description = "Solved."

[statuses.closed]
label = "Closed"
category = "closed"
description = "Closed."

[exclusions.product_defect]
label = "Product defect"
description = "Needs development."

[intake]
who_may_open = "any_contact"
description = "Anyone."

[scope]
description = "Scope."
in_scope = ["Everything"]
"""


@cache
def clock_policy(text: str = CLOCK_POLICY) -> Policy:
    return compile_policy(parse_policy(text, "clock.toml"), key="clock")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026, UTC (the 2nd is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)
