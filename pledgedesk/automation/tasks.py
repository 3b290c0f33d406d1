"""The worker's SLA sweep: every minute it reads the clock once and records the warnings and
breaches crossed since the last sweep (``automation.services.sweep_sla``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pledgedesk import clock
from pledgedesk.automation.services import sweep_sla


@db_periodic_task(crontab(minute="*"))
def sweep_sla_every_minute() -> dict:
    result = sweep_sla(now=clock.current())
    return {"candidates": result.candidates, "warnings": result.warnings,
            "breaches": result.breaches}
