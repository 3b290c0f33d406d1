"""The policy page's ``document``, split by section, says exactly what it said before.

``tests/policy/pages/`` holds each seed policy's page in both formats as rendered by the
single 175-line ``document`` before the split (commit 22e6a3f); a change to the page's wording
is made on purpose by updating those files in the same commit."""

from pathlib import Path

import pytest

from pledgedesk.policy.render import render
from tests.policy.helpers import SEEDS, seed

PAGES = Path(__file__).resolve().parent / "pages"


@pytest.mark.parametrize("fmt, ext", [("markdown", "md"), ("html", "html")])
@pytest.mark.parametrize("name", SEEDS)
def test_the_page_is_the_one_rendered_before_the_split(name, fmt, ext):
    expected = (PAGES / f"{name}.{ext}").read_text(encoding="utf-8")

    assert render(seed(name), fmt) == expected
