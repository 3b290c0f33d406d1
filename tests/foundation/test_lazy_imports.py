"""A web worker does not load NumPy or the holiday tables until a batch or holiday look-up needs
them (issue 20: worker memory)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
import django
django.setup()
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
import pledgedesk.project.urls
print(sorted(m for m in ("numpy", "holidays") if m in sys.modules))
from datetime import UTC, datetime
from pledgedesk.calendar import Calendar, HolidaySpec
cal = Calendar("Europe/Paris", {"mon": [("09:00", "17:00")]}, HolidaySpec("FR"))
cal.between(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC))
print(sorted(m for m in ("numpy", "holidays") if m in sys.modules))
cal.between_batch([0], [10**9])
print(sorted(m for m in ("numpy", "holidays") if m in sys.modules))
"""


def test_numpy_and_holidays_load_on_first_use_not_at_start():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert out == ["[]", "['holidays']", "['holidays', 'numpy']"]
