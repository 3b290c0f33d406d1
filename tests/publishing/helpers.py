"""Publishing through the service, as the CLI and admin do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pledgedesk.publishing import services


def publish(path: Path, *, now: datetime, effective: datetime | None = None,
            by: str = "Pat Publisher", **options) -> services.Publication:
    draft = services.policy_draft(key=path.stem, source=path.read_text(encoding="utf-8"),
                                  filename=str(path), effective=effective, now=now)
    return services.policy_publish(draft=draft, by=by, now=now, **options)
