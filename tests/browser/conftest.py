"""Browser tests: Playwright driving Debian's chromium against a live test server."""

import os
import shutil
from importlib import import_module

import pytest

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        if os.environ.get("TRADEPOST_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (TRADEPOST_REQUIRE_BROWSER is set) but was not found")
        pytest.skip("chromium is not installed; `make test` installs it when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def baseline(transactional_db):
    """What migrations write (desk groups, the first user agreement), written again after the last flush.

    Browser tests need a live server, so they run in committed transactions; the flush between them
    empties every table, and Django's serialized copy of the database was missing in some full runs.
    """
    from django.apps import apps

    import_module("tradepost.accounts.migrations.0002_desks_and_first_agreement").forwards(apps, None)


@pytest.fixture
def page(browser, live_server, baseline):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def htmx_settled(page) -> None:
    """Wait until htmx has no request in flight and has wired up what it swapped in.

    htmx attaches its listeners to swapped-in elements a moment after the swap (the settle phase); a test
    that changes a swapped-in field sooner than any person could would fire no request at all.
    """
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
