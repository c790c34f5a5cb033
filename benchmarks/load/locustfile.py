"""Mixed journeys of a MARAC partnership for Locust; ``make load`` runs it (see run.py).

Each simulated user signs in through the real form with its own account (the
password, then the current code of its authenticator), then moves between
pages the way its role does, following the links the pages show: practitioners
list cases, open one and its risk checklist, search for people and read the
agenda; coordinators and chairs also join the meeting and go through its cases
in conference mode; managers read the indicators for different periods. After
four to eight minutes a user signs out and in again.

Requests are named by page, never by URL, so the statistics group per page and
no id reaches them. A page answered with an error status, or one that lands on
the sign-in page when it should not, counts as a failure.

``LOAD_LOGINS`` names the JSON file of accounts that run.py made: per role, a
list of ``{"email", "secret"}``.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import gevent
import pyotp
from locust import HttpUser, TaskSet, between

from emarac.demo import DEMO_PASSWORD
from emarac.demo.cases import FAMILY, GIVEN

STEP_SECONDS = 30
CSRF = re.compile(
    r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|'
    r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"'
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CASE_LINK = re.compile(rf'href="/cases/({UUID})"')
NEXT_PAGE = re.compile(r'href="(/cases/\?page=\d+)"')
CHECKLIST_LINK = re.compile(rf'href="(/cases/{UUID}/risk/new)"')
MEETING_LINK = re.compile(rf'href="(/meetings/{UUID})"')
ATTEND_LINK = re.compile(rf'href="(/meetings/{UUID}/attend)"')
CONFERENCE_LINK = re.compile(rf'href="(/meetings/{UUID}/cases/{UUID}/conference)"')
PERIOD_SELECT = re.compile(r'<select[^>]*name="period"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')

_accounts: dict[str, list[dict[str, str]]] = json.loads(
    open(os.environ["LOAD_LOGINS"], encoding="utf-8").read()  # noqa: SIM115
)
_next_account = {role: itertools.count() for role in _accounts}
_addresses = itertools.count(1)


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    if found is None:
        raise LookupError("no CSRF token on the page")
    return html.unescape(found.group(1) or found.group(2))


class Member(HttpUser):
    """A signed-in member of the partnership; subclasses say which role and journeys."""

    abstract = True
    role = ""
    # A busy user: the next journey 5 to 15 seconds after the last page (a real
    # one reads a case or a conference item for minutes).
    wait_time = between(5, 15)
    # How long a user works before signing out and in again, in seconds.
    session_seconds = (4 * 60, 8 * 60)

    def on_start(self) -> None:
        pool = _accounts[self.role]
        account = pool[next(_next_account[self.role]) % len(pool)]
        self.email = account["email"]
        self.totp = pyotp.TOTP(account["secret"])
        self.last_step = 0
        self.session_ends = 0.0
        # One address per user, as a reverse proxy would pass it on (TRUSTED_PROXIES=1).
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.77.{n // 250}.{n % 250 + 1}"
        self.client.headers["User-Agent"] = "eMARAC load test"
        self.cases: list[str] = []
        self.case_pages: list[str] = ["/cases/"]
        self.meetings: list[str] = []
        self.conference: list[str] = []
        self.attended: set[str] = set()
        self.sign_in()

    # --- requests -------------------------------------------------------------------

    def page(self, path: str, name: str, *, lands_on: str | None = None) -> str:
        """GET a page; a failure unless it answers 2xx (after redirects) off the sign-in page."""
        return self._send("GET", path, name, lands_on=lands_on)

    def submit(
        self, path: str, name: str, data: dict[str, str], token_from: str, *, lands_on: str
    ) -> str:
        """POST a form with the CSRF token of the page it is on; must land on ``lands_on``."""
        return self._send(
            "POST",
            path,
            name,
            data={**data, "csrf_token": csrf_token(token_from)},
            lands_on=lands_on,
        )

    def _send(
        self, method: str, path: str, name: str, *, lands_on: str | None, **kwargs: Any
    ) -> str:
        with self.client.request(
            method, path, name=name, catch_response=True, **kwargs
        ) as response:
            landed = urlsplit(response.url or "").path
            if response.status_code == 0:
                # No answer at all: the exception's type says why (never its text: a URL).
                response.failure(f"no response: {type(response.error).__name__}")
            elif response.status_code >= 400 or response.status_code < 200:
                response.failure(f"status {response.status_code}")
            elif lands_on is not None and not re.fullmatch(lands_on, landed):
                where = "sign-in" if landed.startswith("/sign-in") else "another page"
                response.failure(f"landed on {where}")
            elif lands_on is None and landed.startswith("/sign-in"):
                response.failure("landed on sign-in")
            else:
                response.success()
            return response.text or ""

    # --- journeys shared by every role ----------------------------------------------------

    def sign_in(self) -> None:
        form = self.page("/sign-in", "sign-in page", lands_on="/sign-in")
        code_page = self.submit(
            "/sign-in",
            "sign-in: password",
            {"email": self.email, "password": DEMO_PASSWORD},
            form,
            lands_on="/sign-in/security-code",
        )
        # A code is accepted once: wait for the authenticator's next one if it was used.
        while (step := int(time.time()) // STEP_SECONDS) <= self.last_step:
            gevent.sleep((self.last_step + 1) * STEP_SECONDS - time.time() + 0.2)
        self.last_step = step
        self.submit(
            "/sign-in/security-code",
            "sign-in: security code",
            {"code": self.totp.generate_otp(step)},
            code_page,
            lands_on="/",
        )
        self.session_ends = time.monotonic() + random.uniform(*self.session_seconds)

    def sign_out_and_in(self) -> None:
        home = self.page("/", "home")
        self.submit("/sign-out", "sign out", {}, home, lands_on="/sign-in")
        self.sign_in()

    def browse_cases(self) -> None:
        """The case list (now and then its next page), a case, sometimes its checklist."""
        listing = self.page(random.choice(self.case_pages), "case list")
        self.cases = sorted(set(self.cases) | set(CASE_LINK.findall(listing)))
        self.case_pages = sorted({"/cases/", *NEXT_PAGE.findall(listing)})
        if not self.cases:
            return
        case = self.page(f"/cases/{random.choice(self.cases)}", "case page")
        checklist = CHECKLIST_LINK.findall(case)
        if checklist and random.random() < 0.4:
            self.page(checklist[0], "risk checklist")

    def search(self) -> None:
        form = self.page("/people/search", "search page")
        if random.random() < 0.7:
            terms = {"name": random.choice(FAMILY)}
        else:
            terms = {"name": f"{random.choice(GIVEN)} {random.choice(FAMILY)}"}
        self.submit("/people/search", "search", terms, form, lands_on="/people/search")

    def agenda(self) -> None:
        listing = self.page("/meetings/", "meetings")
        self.meetings = MEETING_LINK.findall(listing)
        if self.meetings:
            self.page(random.choice(self.meetings), "agenda")

    def run_conference(self) -> None:
        """Join the meeting once (the confidentiality statement), then go through its cases."""
        if not self.meetings:
            self.agenda()
        if not self.meetings:
            return
        meeting = self.meetings[0]
        if meeting not in self.attended:
            agenda = self.page(meeting, "agenda")
            attend = ATTEND_LINK.findall(agenda)
            if not attend:
                return
            statement = self.page(attend[0], "attend")
            first = self.submit(
                attend[0], "attend: accept", {}, statement, lands_on=r"/meetings/.+/conference"
            )
            self.attended.add(meeting)
            self.conference = sorted(set(CONFERENCE_LINK.findall(first)))
            return
        if not self.conference:
            return
        shown = self.page(random.choice(self.conference), "conference")
        self.conference = sorted(set(self.conference) | set(CONFERENCE_LINK.findall(shown)))

    def indicators(self) -> None:
        board = self.page("/indicators/", "indicators")
        select = PERIOD_SELECT.search(board)
        periods = [v for v in OPTION.findall(select.group(1)) if v != "custom"] if select else []
        if periods:
            self.page(f"/indicators/?period={random.choice(periods)}", "indicators")


def _journey(name: str) -> Callable[[Member], None]:
    """One of Member's journeys, after signing out and in again once the session is over."""

    def run(user: Member) -> None:
        if time.monotonic() > user.session_ends:
            user.sign_out_and_in()
        getattr(user, name)()

    run.__name__ = name
    return run


def _journeys(**weights: int) -> list[TaskSet | Callable[..., Any]]:
    """Member's journeys by name, each as often as its weight (as Locust reads a dict)."""
    return [_journey(name) for name, weight in weights.items() for _ in range(weight)]


class Practitioner(Member):
    role = "practitioner"
    weight = 6
    tasks = _journeys(browse_cases=5, search=2, agenda=1)


class Coordinator(Member):
    role = "coordinator"
    weight = 2
    tasks = _journeys(browse_cases=3, search=1, agenda=2, run_conference=2, indicators=1)


class Chair(Member):
    role = "chair"
    weight = 1
    tasks = _journeys(agenda=2, run_conference=4, browse_cases=1)


class Manager(Member):
    role = "manager"
    weight = 1
    tasks = _journeys(indicators=1)
