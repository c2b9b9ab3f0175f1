"""Browser journeys: Playwright drives Debian's Chromium against `live_server`."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}"))


@pytest.fixture(autouse=True)
def _allow_sync_database_calls(monkeypatch):
    """Playwright's sync API runs an event loop in the test thread; the test's own
    database work is still synchronous."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    """One Chromium per test: Playwright's event loop must not outlive the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A browser page; any Content-Security-Policy violation Chromium reports on any page
    the journey visits fails the test (what tests/csp.py checks in the HTML, here in the
    browser, with the components' scripts running)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    yield page
    context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def audit_page(browser):
    """A page for tools that inject their own script and styles (axe-core): the
    Content-Security-Policy would block them, so this context bypasses it (Playwright,
    `bypass_csp`). The journeys, through `page`, keep it."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-CA", bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page PNG under test-artifacts/e2e/<test name>/NN-<step>.png."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 100))

    def take(page, step: str) -> Path:
        page.wait_for_load_state("networkidle")
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
