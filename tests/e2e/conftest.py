"""Browser tests: Playwright (the Python package) driving Debian's Chromium headless against
pytest-django's live server, on the test database, with a fixed desk clock.

Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the
tests themselves are plain synchronous code, so Django's async-safety guard is told so.
Screenshots go to ``test-artifacts/e2e/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.page_fixtures import _fast_hashing, at_now  # noqa: F401 (fixtures, found by name)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium "
                    "(apt-get install -y chromium); ./scripts/test does this as root")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Session:
    """One person's browser session: a page, plus what went wrong in it."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # A Content Security Policy violation (an inline style or script the page relied on)
        # is reported on the console; any other console error counts too.
        self.page.on("console", lambda msg: self.errors.append(msg.text)
                     if msg.type == "error" else None)
        self.page.on("dialog", self._dialog)
        self.page.set_default_timeout(10_000)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.settled()
        return response

    def settled(self) -> None:
        """Wait until htmx has loaded, swapped and processed every lazy part of the page.

        htmx binds the triggers of swapped-in content only after its settle delay; a test that
        acts on an element in that window (a macro picker's change, say) is lost. Clicking is
        what a person does after seeing the page, so the tests wait as a person would."""
        self.page.wait_for_function(
            "() => !window.htmx || !document.querySelector("
            "'.htmx-request, .htmx-added, .htmx-settling, .htmx-swapping')")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in_portal(self, email: str, password: str) -> None:
        self.go("/portal/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/portal/")

    def sign_in_console(self, username: str, password: str) -> None:
        self.go("/console/sign-in/")
        self.page.get_by_label("Username or email").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/console/")


@pytest.fixture
def session(browser, live_server):
    """A fresh browser context per person; call it once per person in a test."""
    contexts = []

    def start() -> Session:
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        contexts.append(context)
        return Session(context, live_server.url)

    yield start
    for context in contexts:
        context.close()
