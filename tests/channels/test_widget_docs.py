"""docs/widget.md's signing examples, run as written: the desk accepts what each signs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pledgedesk.channels import widget as w
from tests.factories import agent, contact, organisation
from tests.pages import PR, email_of

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "widget.md"


def example(heading: str, language: str) -> str:
    text = DOC.read_text()
    section = text[text.index(f"### {heading}"):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def widget():
    """Real time: the examples read the wall clock, as a host product does."""
    org = organisation(PR)
    someone = contact(org, name="Dee Docs")
    issued = w.widget_create(agent=agent(roles=("administrator",)), organisation=org,
                             origins=[], now=datetime.now(UTC))
    return issued, someone


def test_the_python_example_signs_a_token_the_desk_accepts(widget):
    issued, someone = widget
    scope: dict = {}
    exec(compile(example("Python", "python"), str(DOC), "exec"), scope)
    token = scope["pledgedesk_token"](issued.secret, issued.widget.public_id,
                                      email_of(someone), "Dee")
    user = w.widget_token_verify(public_id=issued.widget.public_id, token=token,
                                 now=datetime.now(UTC))
    assert user.contact == someone and user.name == "Dee"


def test_the_javascript_example_signs_a_token_the_desk_accepts(widget):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Debian's nodejs (apt-get install -y nodejs)")
    issued, someone = widget
    script = example("JavaScript", "js") + (
        "process.stdout.write(pledgedeskToken(...JSON.parse(process.argv[1])));\n")
    args = json.dumps([issued.secret, issued.widget.public_id, email_of(someone), "Dee"])
    token = subprocess.run([node, "-e", script, args], capture_output=True, text=True,
                           check=True, timeout=30).stdout
    user = w.widget_token_verify(public_id=issued.widget.public_id, token=token,
                                 now=datetime.now(UTC))
    assert user.contact == someone and user.name == "Dee"
