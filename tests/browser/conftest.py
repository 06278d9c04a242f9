"""Real-browser tests: Debian's chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from tests.browser.helpers import PHONE


class OneAtATimeServer(WSGIServer):
    """The live server, answering one request at a time in its own thread.

    With SQLite the test database is one connection shared with the server; Django's
    threaded server would use it from two threads at once when a page loads several
    images together (a scorecard's badges), and fail at random. The server thread sets
    that shared connection up itself, so the threads' override is not needed here.
    """

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = OneAtATimeServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# What the browser blocked under the pages' Content-Security-Policy during the current
# test; any entry fails it (see pytest_runtest_call).
CSP_VIOLATIONS: list[str] = []
# Chromium logs a violation to the console too, but only the event names the directive
# reliably; the script says it in the console, where the watch below hears it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.effectiveDirective} `
    + `blocked ${event.blockedURI || "inline"} at ${event.sourceFile || document.URL}`
    + `:${event.lineNumber}`);
}, true);
"""


def _about_csp(text: str) -> bool:
    lowered = text.lower()
    return "content security policy" in lowered or "content-security-policy" in lowered


def watch_for_csp_violations(context: Any) -> Any:
    """Note every CSP violation in any page of `context`: console messages, uncaught
    errors (a blocked eval throws) and securitypolicyviolation events."""
    context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message: Any) -> None:
        if _about_csp(message.text):
            where = message.page.url if message.page else message.location.get("url", "")
            CSP_VIOLATIONS.append(f"{where}: {message.text}")

    def on_error(error: Any) -> None:
        text = str(error.error)
        if _about_csp(text):
            CSP_VIOLATIONS.append(f"{error.page.url if error.page else ''}: {text}")

    context.on("console", on_console)
    context.on("weberror", on_error)
    return context


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A browser test whose pages broke the Content-Security-Policy fails, even when
    everything it checked worked: the violation is something a user's browser blocked."""
    CSP_VIOLATIONS.clear()
    result = yield
    if CSP_VIOLATIONS:
        found = "\n".join(dict.fromkeys(CSP_VIOLATIONS))
        CSP_VIOLATIONS.clear()
        pytest.fail(f"the page broke its Content-Security-Policy:\n{found}", pytrace=False)
    return result


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module: Playwright's sync API keeps an event loop running
    in this thread while it is open, which other tests' asyncio.run() cannot share."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("ACCORD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls are still synchronous, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        new_context = instance.new_context
        instance.new_context = lambda *args, **kwargs: watch_for_csp_violations(
            new_context(*args, **kwargs)
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page at a phone's width, as a phone reports itself."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Any) -> Any:
    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
