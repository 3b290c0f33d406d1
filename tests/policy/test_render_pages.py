"""Each seed policy's page says exactly what was reviewed, in both formats.

``tests/policy/pages/`` holds each seed policy's page as the desk as built serves it (portal and
API only: ``Deployment()``). First pinned as rendered by the single 175-line ``document`` before
it was split by section (commit 22e6a3f); re-pinned on purpose when issue 21 changed what the
pages say (each seed compared point by point with its source document). A change to the page's
wording is made on purpose by updating those files in the same commit."""

from pathlib import Path

import pytest

from pledgedesk.policy.render import render
from tests.policy.helpers import SEEDS, seed

PAGES = Path(__file__).resolve().parent / "pages"


@pytest.mark.parametrize("fmt, ext", [("markdown", "md"), ("html", "html")])
@pytest.mark.parametrize("name", SEEDS)
def test_the_page_is_the_one_pinned(name, fmt, ext):
    expected = (PAGES / f"{name}.{ext}").read_text(encoding="utf-8")

    assert render(seed(name), fmt) == expected
