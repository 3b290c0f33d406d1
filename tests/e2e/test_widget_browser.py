"""The embeddable widget in a real browser (PR-1): a customer's product on another origin
includes the loader, the frame opens from the desk and files a ticket; a product on an origin
the organisation did not configure is refused by the browser (frame-ancestors), and its
token is never even asked for.

The desk is pytest-django's live server (``http://localhost:<port>``); each host product is
a small ``http.server`` on ``127.0.0.1:<another port>``: another site, so the frame runs as a
third-party frame, as it does in production."""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from pledgedesk.channels import widget as w
from pledgedesk.tickets.models import Ticket
from tests.channels.widget_helpers import host_token
from tests.pages import NOW, PR, email_of, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme CRM</title>
<script src="/host.js" defer></script></head>
<body><h1>Acme CRM</h1><p>Filed: <output id="filed"></output></p>
<div id="support"></div>
<script src="{desk}/static/widget/widget.js" data-widget="{widget}" data-token-url="/token"
        data-target="#support" data-height="900"></script>
</body></html>"""
# The host product's own script (no inline script here either): it hears of the filed ticket.
HOST_JS = """document.addEventListener("pledgedesk:submitted", function (event) {
  document.getElementById("filed").textContent = String(event.detail.ticket);
});"""


class HostProduct:
    """A customer's product: its page with the loader, and the endpoint that signs its
    signed-in user's token (counting how often it is asked)."""

    def __init__(self, *, desk: str, widget: str, token: str):
        self.page = HOST_PAGE.format(desk=desk, widget=widget).encode()
        self.token = token
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        product = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/token":
                    product.token_requests += 1
                    self._send(json.dumps({"token": product.token}).encode(),
                               "application/json")
                elif self.path == "/host.js":
                    self._send(HOST_JS.encode(), "text/javascript")
                else:
                    self._send(product.page, "text/html; charset=utf-8")

            def _send(self, body: bytes, content_type: str):
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def desk(at_now):
    org = organisation(PR, timezone="Europe/Berlin", country="DE", name="Acme Customer")
    ana = person(org, name="Ana Alvarez")
    return org, ana


def configure(org, origins):
    return w.widget_create(agent=staff(roles=("administrator",)), organisation=org,
                           origins=origins, now=NOW)


def console_of(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    return seen


@contextmanager
def embedded(browser, live_server, org, who, **claims):
    """A host product on a second origin, configured for ``org``'s widget, whose signed-in
    user is ``who``, open in a browser page: (product, page, console messages)."""
    issued = configure(org, [])
    token = host_token(issued.widget, issued.secret, email=email_of(who), at=NOW, **claims)
    with HostProduct(desk=live_server.url, widget=issued.widget.public_id,
                     token=token) as product:
        w.widget_set_origins(agent=staff(roles=("administrator",)), organisation=org,
                             origins=[product.origin], now=NOW)
        context = browser.new_context(viewport={"width": 1000, "height": 1100})
        page = context.new_page()
        page.set_default_timeout(10_000)
        messages = console_of(page)
        page.goto(product.origin + "/")
        yield product, page, messages


def test_a_host_product_on_a_configured_origin_embeds_the_widget_and_files_a_ticket(
        browser, live_server, desk):
    org, ana = desk
    with embedded(browser, live_server, org, ana, name="Ana from Acme") as (product, page,
                                                                         messages):
        context = page.context
        frame = page.frame_locator("iframe.pledgedesk-widget")
        expect(frame.get_by_text("Filing as Ana from Acme")).to_be_visible()
        # The frame sized itself to the form: not the loader's data-height, no inner scroll.
        form_height = sized_to_content(page)
        assert form_height != 900
        frame.get_by_label("Brief description").fill("Reports export is empty")
        frame.get_by_label("Detailed description").fill("Every CSV has only a header row.")
        frame.locator("input[name=priority][value=high]").check()
        frame.locator("#id_attachments").set_input_files(files=[{
            "name": "export.csv", "mimeType": "text/csv", "buffer": b"id,name\n"}])
        page.screenshot(path=_artifact("widget-embedded-form"), full_page=True)
        frame.get_by_role("button", name="Submit request").click()

        expect(frame.get_by_role("heading", name=re.compile(r"Request #\d+ submitted"))
               ).to_be_visible()
        ticket = Ticket.objects.get(subject="Reports export is empty")
        expect(frame.get_by_role("heading")).to_have_text(f"Request #{ticket.number} submitted")
        expect(page.locator("#filed")).to_have_text(str(ticket.number))
        # ...and shrank to the short confirmation.
        assert sized_to_content(page) < form_height - 200
        page.screenshot(path=_artifact("widget-embedded-filed"), full_page=True)
        context.close()

    assert (ticket.organisation, ticket.requester, ticket.channel) == (org, ana, "widget")
    assert ticket.priority == "high"
    assert [a.filename for a in ticket.attachments.all()] == ["export.csv"]
    assert product.token_requests == 1
    # No CSP violation and no script error on the host page or in the frame.
    assert [m for m in messages if m.startswith(("error", "pageerror"))] == []


def test_a_host_product_on_an_origin_not_configured_is_refused_by_the_browser(
        browser, live_server, desk):
    org, ana = desk
    issued = configure(org, ["https://app.acme.example"])
    token = host_token(issued.widget, issued.secret, email=email_of(ana), at=NOW)
    with HostProduct(desk=live_server.url, widget=issued.widget.public_id,
                     token=token) as product:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(10_000)
        messages = console_of(page)
        with page.expect_response(lambda r: "/portal/widget/" in r.url) as answered:
            page.goto(product.origin + "/")
        response = answered.value
        # The desk answered (200), with a policy naming only the configured origin...
        assert response.status == 200
        assert "frame-ancestors https://app.acme.example" in response.headers[
            "content-security-policy"]
        # ...so the browser refuses to show it here: the frame never holds the desk's page.
        page.wait_for_load_state("load")
        frame = page.frame_locator("iframe.pledgedesk-widget")
        expect(frame.locator("body.widget-frame")).to_have_count(0)
        expect(frame.get_by_text("Support request")).to_have_count(0)
        page.screenshot(path=_artifact("widget-refused-origin"), full_page=True)
        context.close()

    # Chromium reports the refusal: "Framing 'http://localhost:…/' violates the following
    # Content Security Policy directive: "frame-ancestors https://app.acme.example"".
    violations = [m for m in messages if "frame-ancestors https://app.acme.example" in m]
    assert len(violations) == 1 and "violates" in violations[0], messages
    # The frame never said it was ready, so the host's token was never even asked for.
    assert product.token_requests == 0
    assert not Ticket.objects.exists()


def frame_content_height(page) -> int:
    """How tall the frame's content is, measured inside the frame (as widget-frame.js does)."""
    inner = next(f for f in page.frames if "/portal/widget/" in f.url)
    return inner.evaluate(
        "Math.ceil(document.getElementById('main').getBoundingClientRect().bottom"
        " + window.scrollY)")


def iframe_height(page) -> int:
    """The iframe's inner height (its border excluded): the frame's viewport."""
    return page.locator("iframe.pledgedesk-widget").evaluate("f => f.clientHeight")


def sized_to_content(page) -> int:
    """Waits until the host page's iframe is as tall as the frame's content; its height."""
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe.pledgedesk-widget');"
        " return f && f.style.height !== ''; }")
    for _ in range(50):
        wanted, got = frame_content_height(page), iframe_height(page)
        if abs(wanted - got) <= 1:
            return got
        page.wait_for_timeout(100)
    raise AssertionError(f"the iframe is {got}px tall; its content {wanted}px")


def test_the_frame_resizes_only_on_messages_from_itself_and_kb_suggestions_deflect(
        browser, live_server, desk):
    """Issue 14: a height message from anyone but the frame (here the host page itself) is
    ignored. Issue 18: a suggested article opens in the frame; leaving without submitting is
    a deflection, counted as the portal's are."""
    org, ana = desk
    from pledgedesk.kb.selectors import deflection
    from pledgedesk.kb.services import ArticleInput, article_save
    article_save(data=ArticleInput(title="Empty CSV exports", status="published",
                                   body="Pick a date range first: an export without one is "
                                        "empty."), now=NOW)
    with embedded(browser, live_server, org, ana) as (_, page, messages):
        context = page.context
        frame = page.frame_locator("iframe.pledgedesk-widget")
        expect(frame.get_by_label("Brief description")).to_be_visible()
        before = sized_to_content(page)

        page.evaluate("window.postMessage({type: 'pledgedesk:height', height: 150}, '*')")
        page.wait_for_timeout(300)
        assert iframe_height(page) == before  # not from the frame: ignored

        frame.get_by_label("Brief description").press_sequentially("csv export empty")
        suggestion = frame.get_by_role("button", name="Empty CSV exports")
        expect(suggestion).to_be_visible()
        suggestion.click()
        expect(frame.get_by_role("heading", name="Empty CSV exports")).to_be_visible()
        expect(frame.get_by_text("Pick a date range first")).to_be_visible()
        grown = sized_to_content(page)  # the article made the frame taller
        assert grown > before
        page.screenshot(path=_artifact("widget-kb-suggestion"), full_page=True)
        context.close()  # the customer leaves without submitting

    assert not Ticket.objects.exists()
    assert deflection(since=NOW - timedelta(days=1), until=NOW + timedelta(days=1)) == {
        "opened": 1, "deflected": 1, "submitted": 0}
    assert [m for m in messages if m.startswith(("error", "pageerror"))] == []


def _artifact(name: str) -> str:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
