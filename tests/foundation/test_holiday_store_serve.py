"""``pledgedesk serve`` keeps the holidays package out of its web processes (issue 20): the
start path warms the holiday store for the policy files and every recorded policy version at
each organisation's location, so neither the master nor a worker it forks (which inherits its
memory) imports the package while serving the desk's pages, even for a desk whose store was
lost. Run in subprocesses: the start path as ``pledgedesk serve`` runs it, then the requests a
worker serves (ticket pages, the API, replies), in that same process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

from tests.foundation.helpers import environment

pytestmark = pytest.mark.slow

# A desk used before: the sample organisations (US, US-CA, CA-ON, DE-BE) and their tickets.
EARLIER_RUN = """
from pledgedesk.cli import _setup_django
_setup_django()
from pledgedesk import demo, server
server.prepare_database()
demo.demo_login()
"""

# What ``pledgedesk serve`` does before gunicorn forks (cli._start), then a worker's requests.
START_THEN_SERVE = """
import json, sys
from pledgedesk.cli import _check_policies, _setup_django
_setup_django()
from pledgedesk import server
server.warm_policy_holidays()
_check_policies()
server.prepare_database()
if sys.argv[1:] == ["demo"]:  # pledgedesk demo: the sample desk made on a first start
    assert "password" in server.demo_login()
master = "holidays" in sys.modules

from django.conf import settings
from django.test import Client
from pledgedesk.accounts.models import Organisation
from pledgedesk.demo import CONSOLE_LOGIN
from pledgedesk.tickets.models import Ticket
from pledgedesk import clock
from pledgedesk.accounts.tokens import token_issue
from django.contrib.auth import get_user_model

agent = get_user_model().objects.get(username=CONSOLE_LOGIN)
client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
client.force_login(agent)
token = token_issue(user=agent, name="probe", now=clock.current()).raw
api = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], HTTP_AUTHORIZATION=f"Bearer {token}")
statuses = []
numbers = {}  # two tickets of each organisation (policy and location)
for org, number in Ticket.objects.order_by("number").values_list("organisation", "number"):
    numbers.setdefault(org, [])
    if len(numbers[org]) < 2:
        numbers[org].append(number)
for number in sorted(n for pair in numbers.values() for n in pair):
    for url in (f"/console/tickets/{number}/", f"/console/tickets/{number}/timers/"):
        statuses.append(client.get(url).status_code)
    statuses.append(api.get(f"/api/v1/tickets/{number}").status_code)
    # a reply: the ticket's timers recomputed on its calendars at its organisation's location
    statuses.append(api.post(f"/api/v1/tickets/{number}/replies", {"body": "Looking now."},
                             content_type="application/json").status_code)
statuses.append(client.get("/console/").status_code)
print(json.dumps({
    "master": master, "worker": "holidays" in sys.modules, "statuses": sorted(set(statuses)),
    "requests": len(statuses),
    "regions": sorted({f"{c}-{s}" for c, s in Organisation.objects.values_list(
        "country", "subdivision")}),
}))
"""


def _python(script: str, env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True,
                            text=True, timeout=240, check=False)  # migrating, under load
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_serve_warms_the_store_so_no_web_process_imports_holidays(tmp_path):
    env = environment(tmp_path)
    _python(EARLIER_RUN, env)
    store = tmp_path / "cache" / "holidays"
    shutil.rmtree(store)  # lost (or the package upgraded): the start must warm it again

    out = json.loads(_python(START_THEN_SERVE, env).splitlines()[-1])

    # 409: a reply to a closed ticket (the sample desk has some), refused before any SLA work
    assert out["statuses"] in ([200, 201], [200, 201, 409]), out
    assert out["requests"] == 4 * 2 * 5 + 1  # two tickets of each of five organisations
    assert out["regions"] == ["CA-ON", "DE-BE", "US-", "US-CA"]
    assert out["master"] is False
    assert out["worker"] is False
    files = {p.name for p in (store / version("holidays")).glob("*.json")}
    # The sample policies' calendars: CA from a policy file; US and DE-BE from "organisation"
    # holidays at the organisations' locations (a 24x7 policy has no holidays: US-CA none).
    assert files == {"CA__public_obs.json", "US__public_obs.json", "DE_BE_public_obs.json"}
    assert not [p for p in store.iterdir() if p.name != version("holidays")]


def test_demo_makes_its_sample_desk_without_loading_holidays_in_the_web_processes(tmp_path):
    env = environment(tmp_path)

    out = json.loads(_python(START_THEN_SERVE, env, "demo").splitlines()[-1])

    assert out["statuses"] in ([200, 201], [200, 201, 409]), out
    assert out["regions"] == ["CA-ON", "DE-BE", "US-", "US-CA"]
    assert out["master"] is False  # the sample tickets were opened in a child
    assert out["worker"] is False
    files = {p.name for p in (tmp_path / "cache" / "holidays" / version("holidays")).iterdir()}
    assert "DE_BE_public_obs.json" in files  # the child's answers, kept for this process
