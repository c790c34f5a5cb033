"""Every page type, as each of the eight roles, at 320 CSS px: axe and reflow in one visit.

A partnership with a meeting at each stage (one minuted, one released and in
session) and a referral waiting for triage is built through the services.
Then, for each role, one browser context signs in and walks the links the
pages offer, from the home page and a few pages no GET link reaches (the
conference view, which follows a POST). It opens one page of each type (the
path with its ids taken out), not every instance, so the walk stays short.

Each page is loaded once, at 320 CSS px wide (WCAG 1.4.10: content reflows
at 320 px with no scrolling in two directions). In that one load, the
``AccessiblePage`` wrapper runs axe, and this test reads the document's
scroll width: a wide table must scroll inside its own region
(macros/tables.html), never the page.
"""

from __future__ import annotations

import os
import re
from collections import deque
from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.browser.conftest import AccessiblePage, sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases, send_minutes

AREA = "Crawlshire MARAC"
NARROW = {"width": 320, "height": 900}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Not pages: downloads, and the pages of signing in (visited by every sign-in).
SKIP = re.compile(r"(\.csv$|\.zip$|^/static/|^/sign-in|^/set-password/)")
LIMIT = 60  # page types a role may reach; far more than there are
# Set to a folder to keep a screenshot of each page at 320 px and at 1280 px.
SHOTS = os.environ.get("EMARAC_A11Y_SHOTS")


# The outermost elements that stick out past the viewport, to say what to fix.
WIDE_ELEMENTS = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => e.parentElement.getBoundingClientRect().right <= width + 1)
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ').join('.'))"""


def page_type(path: str) -> str:
    return UUID.sub("{id}", path)


def _build(make: Any) -> dict[str, Any]:
    """A partnership with meetings at each stage; returns its users and a few URLs."""
    from emarac.actions import services as actions
    from emarac.clock import today
    from emarac.extensions import db
    from emarac.meetings import conference
    from emarac.meetings import services as meetings
    from emarac.referrals import services as referrals
    from emarac.referrals.models import Consent
    from emarac.risk import area_settings
    from emarac.risk import services as risk
    from emarac.risk.models import Answer
    from emarac.risk.rules import Criterion

    police = make.agency(name="Crawlshire Police (test)", area=AREA)
    housing = make.agency(name="Crawlshire Homes (test)", kind="housing", area=AREA)
    idva_service = make.agency(name="Crawlshire IDVA (test)", kind="idva_service", area=AREA)
    partnership = make.agency(name="Crawlshire CSP (test)", kind="other", area=AREA)
    users = {
        "practitioner": make.user(agency=police),
        "idva": make.user(agency=idva_service, roles=("idva",)),
        "agency_admin": make.user(agency=police, roles=("agency_admin",)),
        "coordinator": make.user(agency=partnership, roles=("coordinator",)),
        "chair": make.user(agency=police, roles=("chair",)),
        "manager": make.user(agency=partnership, roles=("manager",)),
        "dpo": make.user(agency=partnership, roles=("dpo",)),
        "system_admin": make.user(agency=partnership, roles=("system_admin",)),
    }
    officer, coordinator, chair = users["practitioner"], users["coordinator"], users["chair"]
    housing_officer = make.user(agency=housing)
    # The meetings below lie a day and a week ahead: the area lets people join early.
    area_settings.change(
        coordinator,
        partnership.area_id,
        area_settings.SettingsInput(10, 14, 3, False, 12, join_days_before=14),
    )
    version = risk.current_checklist()
    factory = Cases(db, make)

    def referred_case(family: str) -> Any:
        case = factory.open(by=officer, family_name=family)
        factory.perpetrator(case, by=officer)
        factory.incident(case, by=officer)
        risk.record_assessment(
            case,
            by=officer,
            version=version,
            data=risk.AssessmentInput(
                completed_on=today(),
                victim_present=True,
                answers={
                    q.id: Answer.YES if q.position <= 15 else Answer.NO
                    for q in version.questions
                    if q.section == "core"
                },
            ),
        )
        referral = referrals.refer_case(
            case,
            by=officer,
            data=referrals.ReferralInput(
                criteria={Criterion.VISIBLE_HIGH_RISK},
                consent=Consent.GIVEN,
                risks="Synthetic risks",
                safety_measures="Synthetic measures",
                judgement_reason=None,
                refer_to_idva=True,
            ),
        )
        return case, referral

    def meeting_of(days: int, families: tuple[str, ...]) -> Any:
        meeting = meetings.create_meeting(
            by=coordinator, held_on=today() + timedelta(days=days), chair_id=chair.id
        )
        for family in families:
            _, referral = referred_case(family)
            referrals.accept(referral, by=coordinator, meeting=meeting)
        meetings.release_agenda(meeting, by=coordinator)
        for item in meeting.items:
            meetings.save_research(
                meeting,
                item.case_id,
                by=housing_officer,
                no_information=False,
                about_victim="Synthetic: tenancy at risk",
                about_perpetrator=None,
                about_children=None,
            )
        for attendee in (chair, officer, housing_officer, coordinator):
            meetings.accept_confidentiality(meeting, by=attendee)
        return meeting

    minuted = meeting_of(1, ("Ashdown-Crawl", "Birchley-Crawl"))
    for item in minuted.items:
        actions.add_action(
            item.case,
            by=chair,
            meeting=minuted,
            owner_agency_id=housing.id,
            description="Synthetic action: review the tenancy",
            due_on=today() + timedelta(days=30),
        )
        conference.record_discussion(
            minuted, item, by=chair, discussion="Synthetic discussion", agreed_risk="high"
        )
    send_minutes(minuted, coordinator=coordinator, chair=chair)
    running = meeting_of(8, ("Cobham-Crawl", "Denholm-Crawl"))
    referred_case("Eastleigh-Crawl")  # waits for triage
    first = running.items[0].case_id
    conference_url = f"/meetings/{running.id}/cases/{first}/conference"
    attending = {"practitioner", "coordinator", "chair"}
    seeds = {role: ["/", conference_url] if role in attending else ["/"] for role in users}
    # The subject access page of a victim on the minuted agenda: reached after a
    # look-up by case reference (a GET form, which the walk does not fill in).
    victim = minuted.items[0].case.victim_id
    seeds["dpo"] = ["/", f"/subject-access/{victim}"]
    return {"users": users, "seeds": seeds}


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)")


def crawl(ui: AccessiblePage, seeds: list[str], role: str) -> tuple[dict[str, str], list[str]]:
    """Visit one page of each type reachable from ``seeds``; (type -> URL, problems)."""
    base = ui.base  # type: ignore[attr-defined]
    host = urlsplit(base).netloc
    queue = deque(base + seed for seed in seeds)
    visited: dict[str, str] = {}
    problems: list[str] = []
    while queue and len(visited) < LIMIT:
        url = urldefrag(queue.popleft()).url
        parts = urlsplit(url)
        kind = page_type(parts.path)
        if parts.netloc != host or SKIP.search(parts.path) or kind in visited:
            continue
        visited[kind] = url
        response = ui.goto(url)
        if response is None or response.status >= 400:
            problems.append(f"{kind}: status {response.status if response else 'none'}")
            continue
        width = ui.page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            culprits = ui.page.evaluate(WIDE_ELEMENTS, NARROW["width"])
            problems.append(f"{kind}: {width} px wide at {NARROW['width']} px: {culprits}")
        title = ui.page.title()
        if not title.endswith(" – eMARAC"):
            problems.append(f"{kind}: title {title!r}")
        if SHOTS:
            _screenshots(ui.page, f"{role}-{kind}")
        queue.extend(_links(ui.page))
    return visited, problems


def _screenshots(page: Any, kind: str) -> None:
    prefix = f"{SHOTS}/" + re.sub(r"[^a-z0-9_]+", "-", kind.replace("{id}", "x")).strip("-")
    page.screenshot(path=f"{prefix}-320.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=f"{prefix}-1280.png", full_page=True)
    page.set_viewport_size(NARROW)


# What each role must at least reach, so that the walk cannot silently shrink.
MUST_REACH = {
    "practitioner": {
        "/cases/{id}",
        "/cases/{id}/risk/new",
        "/cases/{id}/risk",
        "/cases/{id}/incidents/new",
        "/meetings/{id}",
        "/meetings/{id}/agenda/print",
        "/meetings/{id}/cases/{id}/conference",
        "/meetings/minutes/{id}",
        "/meetings/minutes/{id}/print",
        "/meetings/research-due",
        "/people/search",
        "/actions/",
    },
    "idva": {
        "/cases/",
        "/meetings/",
        "/people/search",
        "/idva/queue",
        "/idva/caseload",
        "/idva/cases/{id}",
        "/idva/cases/{id}/status",
        "/idva/cases/{id}/voice",
        "/idva/cases/{id}/safety-plan",
        "/idva/cases/{id}/contacts",
    },
    "agency_admin": {"/admin/agencies/{id}/users", "/admin/users/{id}"},
    "coordinator": {
        "/referrals/triage",
        "/referrals/{id}/triage",
        "/meetings/{id}",
        "/meetings/{id}/cases/{id}/conference",
        "/meetings/{id}/cases/{id}/research",
        "/meetings/minutes/{id}",
        "/meetings/minutes/{id}/correct",
        "/cases/{id}/must-not-receive",
        "/emergency-access/",
        "/indicators/",
        "/disclosures/",
    },
    "chair": {"/meetings/{id}/cases/{id}/conference", "/meetings/minutes/{id}"},
    "manager": {"/indicators/", "/indicators/return/print"},
    "dpo": {"/disclosures/", "/subject-access/", "/subject-access/{id}"},
    "system_admin": {"/audit/", "/admin/agencies", "/admin/areas", "/admin/agencies/{id}/users"},
}


@pytest.mark.slow
def test_every_page_type_passes_axe_and_reflows_at_320_px(live_server, make, browser):
    built = _build(make)
    problems: list[str] = []
    for role, user in built["users"].items():
        context = browser.new_context(viewport=NARROW)
        ui = AccessiblePage(context.new_page())
        ui.base = live_server.url  # type: ignore[attr-defined]
        sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
        visited, found = crawl(ui, built["seeds"][role], role)
        problems += [f"{role} {problem}" for problem in found]
        missing = MUST_REACH[role] - visited.keys()
        if missing:
            problems.append(f"{role} did not reach {sorted(missing)}")
        problems += [f"{role} {violation}" for violation in ui.violations]
        problems += [f"{role} {error}" for error in ui.console_errors]
        context.close()
    assert not problems, "\n".join(problems)
