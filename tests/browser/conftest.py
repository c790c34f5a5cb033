"""Browser tests: the real app on a free local port, driven by Debian's Chromium.

Every page a test visits is checked with axe-core for WCAG 2.2 A/AA
violations (see ``AccessiblePage``), and console errors (a CSP violation shows
up as one) fail the test.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from emarac import create_app
from tests.conftest import copy_keys, make_settings
from tests.factories import Factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            # One worker runs all browser tests, so only one Chromium runs at a time.
            item.add_marker(pytest.mark.xdist_group("browser"))
    if not os.path.exists(CHROMIUM):
        if os.environ.get("EMARAC_REQUIRE_ALL_TESTS"):
            raise pytest.UsageError(f"{CHROMIUM} is missing: run `apt-get install -y chromium`")
        skip = pytest.mark.skip(reason="Debian's chromium is not installed")
        for item in items:
            if here in Path(item.fspath).parents:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def live_settings() -> dict[str, Any]:
    """Settings a test module changes for its live app (override it there)."""
    return {}


@pytest.fixture
def live_app(
    tmp_path: Path,
    worker_keys: Path,
    schema_templates: dict[str, Any],
    live_settings: dict[str, Any],
) -> Iterator[Flask]:
    """The real app (CSRF on) on SQLite: browser tests check the UI, not the backend."""
    database = tmp_path / "browser.db"
    shutil.copyfile(schema_templates["sqlite"], database)
    instance = tmp_path / "instance"
    copy_keys(worker_keys, instance)
    app = create_app(make_settings(f"sqlite:///{database}", instance, **live_settings))
    with app.app_context():
        from emarac.schema import dispose

        yield app
        dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make(live_app: Flask) -> Factory:
    from emarac.extensions import db

    return Factory(db)


class AccessiblePage:
    """Wraps a Playwright page: after every load, run axe; collect console errors."""

    def __init__(self, page: Any) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.console_errors: list[str] = []
        self.violations: list[str] = []
        self.checked_urls: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        # A page that is itself an error page (a deliberate 404) logs its own
        # status; the test checks that status. Failures of anything else count.
        url = message.location.get("url") or ""
        own_document = url == self.page.url
        if own_document and message.text.startswith("Failed to load resource"):
            return
        # Headless Chromium now and then guesses a favicon path next to a loaded
        # script; the page declares its icons, so a miss there is not the app's.
        if url.rsplit("/", 1)[-1].startswith("favicon"):
            return
        self.console_errors.append(
            f"on {self.page.url}: {message.location.get('url')}: {message.text}"
        )

    def check(self) -> None:
        """Run axe on the page as it is now; remember any violation."""
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        self.checked_urls.append(self.page.url)
        for violation in results.response.get("violations", []):
            if _known_govuk_issue(violation):
                continue
            targets = [node.get("target") for node in violation.get("nodes", [])][:3]
            self.violations.append(f"{self.page.url}: {violation['id']} {targets}")

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        self.check()
        return response

    def submit(self, button_name: str) -> None:
        """Click a button that submits a form and check the page that comes back."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button_name).click()
        self.check()

    def follow(self, link_name: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=link_name).first.click()
        self.check()

    def assert_clean(self) -> None:
        assert not self.violations, "accessibility violations:\n" + "\n".join(self.violations)
        assert not self.console_errors, "console errors:\n" + "\n".join(self.console_errors)


def _known_govuk_issue(violation: dict[str, Any]) -> bool:
    """GOV.UK Frontend's radios with a conditional reveal set ``aria-expanded`` on purpose.

    axe calls it not allowed on a radio; GOV.UK keeps it because screen readers
    announce it, and lists the warning as a known issue (alphagov/govuk-frontend
    issue 979). Only that attribute, only on GOV.UK radios, is let through.
    """
    if violation.get("id") != "aria-allowed-attr":
        return False
    return all(
        "govuk-radios__input" in node.get("html", "")
        and "aria-expanded" in node.get("failureSummary", "")
        and node.get("failureSummary", "").count("aria-") == 1
        for node in violation.get("nodes", [])
    )


@pytest.fixture
def ui(page: Any, live_server: LiveServer) -> Iterator[AccessiblePage]:
    """The page to drive; at the end, no accessibility violation and no console error."""
    wrapped = AccessiblePage(page)
    wrapped.base = live_server.url  # type: ignore[attr-defined]
    yield wrapped
    wrapped.assert_clean()


def sign_in_through_browser(ui: AccessiblePage, user: Any, password: str) -> None:
    from emarac.auth.totp import code_for_now

    ui.goto(ui.base + "/sign-in")  # type: ignore[attr-defined]
    ui.page.locator("#email").fill(user.email)
    ui.page.locator("#password").fill(password)
    ui.submit("Sign in")
    ui.page.get_by_label("Security code").fill(code_for_now(user.totp_secret))
    ui.submit("Continue")
