"""Research before the meeting: each agency's due list, the form of its kind, and chasing."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.cases import closure
from emarac.meetings import questions
from emarac.meetings import research as research_service
from emarac.meetings import services as meetings
from emarac.meetings.models import Research, ResearchChase
from emarac.notifications.models import Notification
from tests.conftest import sign_in
from tests.meetings.test_pack import HELD_ON, area, events, on_agenda


def released(db, make, *, cases=2):
    """The area, a released meeting with ``cases`` cases, and the cases."""
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    made = [
        on_agenda(db, make, people, meeting, family_name=f"Due{n}-Demo", extra=False)
        for n in range(cases)
    ]
    return people, meeting, made


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def research_url(meeting, case):
    return f"/meetings/{meeting.id}/cases/{case.id}/research"


# --- the questions (pure) ----------------------------------------------------------


def test_each_kind_has_its_own_questions_and_codes_never_clash():
    assert [q.code for q in questions.questions_for("police")] == [
        "police_incidents",
        "police_convictions",
        "police_bail_orders",
        "police_weapons",
    ]
    assert questions.questions_for("refuge") == ()
    assert questions.questions_for(None) == ()
    every = [q.code for qs in questions.BY_KIND.values() for q in qs]
    assert len(every) == len(set(every))


def test_answers_are_checked_against_the_agency_kind():
    assert questions.answer_problems("housing", {"housing_tenancy": "Synthetic"}) == {}
    assert set(questions.answer_problems("housing", {"police_weapons": "yes"})) == {
        "police_weapons"
    }
    assert set(questions.answer_problems("police", {"police_weapons": "maybe"})) == {
        "police_weapons"
    }


def test_stored_answers_are_shown_with_their_labels_in_question_order():
    shown = questions.shown_answers({"police_weapons": "no", "police_incidents": "Two (synthetic)"})
    assert [(a.label, a.text) for a in shown] == [
        ("Domestic abuse incidents on record", "Two (synthetic)"),
        ("Is there information that the perpetrator has or can get weapons?", "No"),
    ]


# --- the research due list -----------------------------------------------------------


def test_the_due_list_shows_released_meetings_and_what_the_agency_has_answered(
    client, db, make, clock
):
    people, meeting, (first, second) = released(db, make)
    sign_in(client, people["housing"])
    nothing = soup(client.get("/meetings/research-due"))
    assert nothing.select_one("[data-testid=nothing-due]") is not None  # not before release

    meetings.release_agenda(meeting, by=people["coordinator"])
    meetings.save_research(
        meeting,
        first.id,
        by=people["housing"],
        no_information=True,
        about_victim=None,
        about_perpetrator=None,
        about_children=None,
    )
    page = soup(client.get("/meetings/research-due"))
    rows = {
        r.select_one("[data-testid=due-reference]").get_text(strip=True): r.select_one(
            "[data-testid=due-status]"
        ).get_text(strip=True)
        for r in page.select("[data-testid=due-row]")
    }
    assert rows == {first.reference: "Research added", second.reference: "Not started"}
    assert (
        page.select_one("[data-testid=due-summary]")
        .get_text()
        .startswith("1 of 2 cases still to research")
    )
    links = {a.get_text(" ", strip=True) for a in page.select("[data-testid=due-row] a")}
    assert links == {
        f"Change research for {first.reference}",
        f"Add research for {second.reference}",
    }

    # Linked from the meeting page and the home page.
    agenda = soup(client.get(f"/meetings/{meeting.id}"))
    assert agenda.select_one("[data-testid=research-due-link]")["href"].startswith(
        "/meetings/research-due"
    )
    home = soup(client.get("/"))
    assert home.select_one("[data-testid=home-research-due-link]")["href"] == (
        "/meetings/research-due"
    )


def test_a_case_the_agency_must_not_receive_is_not_due(client, db, make, clock):
    people, meeting, (kept, withheld) = released(db, make)
    closure.add_exclusion(
        withheld,
        by=people["coordinator"],
        choice=f"agency:{people['health'].agency_id}",
        reason="Synthetic: a relative works there",
    )
    meetings.release_agenda(meeting, by=people["coordinator"])
    due = research_service.research_due(people["health"])
    assert [c.reference for m in due for c in m.cases] == [kept.reference]


def test_a_manager_has_no_research_due_list(client, login_as, make):
    login_as("manager")
    assert client.get("/meetings/research-due").status_code == 404


# --- the form of the agency's kind -----------------------------------------------------


def labels(page):
    return {
        el.get_text(" ", strip=True)
        for el in page.select(
            "[data-testid=research-form] label, [data-testid=research-form] legend"
        )
    }


def test_the_form_asks_each_kind_its_own_questions(client, app, db, make, clock):
    people, meeting, (case, _) = released(db, make)
    meetings.release_agenda(meeting, by=people["coordinator"])
    seen = {}
    for who in ("owner", "health", "housing", "coordinator"):
        reader = app.test_client()
        sign_in(reader, people[who])
        seen[who] = labels(soup(reader.get(research_url(meeting, case))))
    assert "Domestic abuse incidents on record" in seen["owner"]
    assert "Is there information that the perpetrator has or can get weapons?" in seen["owner"]
    assert "Attendances linked to injury or abuse" in seen["health"]
    assert "Tenancy" in seen["housing"]
    assert "Domestic abuse incidents on record" not in seen["housing"]
    # A partnership of another kind answers the general sections only.
    assert not any(q.label in seen["coordinator"] for q in questions.QUESTIONS.values())
    for general in ("About the victim", "About the perpetrator", "About the children"):
        assert all(general in s for s in seen.values())


def test_answers_are_stored_encrypted_and_shown_to_the_others_with_their_labels(
    client, app, db, make, clock
):
    people, meeting, (case, _) = released(db, make)
    meetings.release_agenda(meeting, by=people["coordinator"])
    sign_in(client, people["owner"])
    saved = client.post(
        research_url(meeting, case),
        data={
            "q_police_incidents": "Three call-outs in 2026 (synthetic)",
            "q_police_weapons": "yes",
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].startswith("/meetings/research-due")
    row = db.session.scalar(select(Research).where(Research.case_id == case.id))
    assert row.answers == {
        "police_incidents": "Three call-outs in 2026 (synthetic)",
        "police_weapons": "yes",
    }
    assert b"Three call-outs" not in bytes(row.answers_ct)

    health = app.test_client()
    sign_in(health, people["health"])
    page = soup(health.get(research_url(meeting, case)))
    section = page.select_one("[data-testid=research-section]")
    shown = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in section.select("dt")
    }
    assert shown == {
        "Domestic abuse incidents on record": "Three call-outs in 2026 (synthetic)",
        "Is there information that the perpetrator has or can get weapons?": "Yes",
    }
    # The chair's conference view shows them too.
    chair = app.test_client()
    clock.now = clock.now.replace(  # joining opens on the meeting's day
        year=meeting.held_on.year, month=meeting.held_on.month, day=meeting.held_on.day
    )
    sign_in(chair, people["chair"])
    chair.post(f"/meetings/{meeting.id}/attend", data={})
    conference = soup(chair.get(f"/meetings/{meeting.id}/cases/{case.id}/conference"))
    text = conference.select_one("[data-testid=conference-research]").get_text(" ", strip=True)
    assert "Domestic abuse incidents on record: Three call-outs in 2026 (synthetic)" in text
    saves = events(db, "research.save")
    assert saves
    assert all("answers" in e.fields for e in saves)


def test_the_form_keeps_everything_typed_when_it_is_refused(client, db, make, clock):
    people, meeting, (case, _) = released(db, make)
    meetings.release_agenda(meeting, by=people["coordinator"])
    sign_in(client, people["owner"])
    typed = {
        "no_information": "y",
        "q_police_convictions": "Assault, 2021 (synthetic)",
        "q_police_weapons": "not_known",
        "about_children": "Two children at home (synthetic)",
    }
    refused = client.post(research_url(meeting, case), data=typed)
    assert refused.status_code == 400
    page = soup(refused)
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None
    assert "not both" in summary.get_text()
    assert "not both" in page.select_one("#no_information-error").get_text()
    assert page.select_one("#no_information").has_attr("checked")
    assert page.select_one("#q_police_convictions").get_text() == typed["q_police_convictions"]
    assert page.select_one("#about_children").get_text() == typed["about_children"]
    assert page.select_one("input[name=q_police_weapons][value=not_known]").has_attr("checked")
    assert db.session.scalar(select(Research.id).where(Research.case_id == case.id)) is None

    too_long = client.post(
        research_url(meeting, case),
        data={"q_police_incidents": "x" * (questions.ANSWER_MAX + 1), "about_victim": "Kept"},
    )
    assert too_long.status_code == 400
    page = soup(too_long)
    message = page.select_one("#q_police_incidents-error").get_text(strip=True)
    assert "5,000 characters or fewer" in message
    assert page.select_one("#about_victim").get_text() == "Kept"


# --- chasing -------------------------------------------------------------------


def by_agency(page):
    return {
        row.select_one("th").get_text(strip=True): row
        for row in page.select("[data-testid=agency-row]")
    }


def test_chasing_twice_a_day_sends_one_notice_and_says_when(client, app, db, make, clock):
    people, meeting, (first, second) = released(db, make)
    meetings.release_agenda(meeting, by=people["coordinator"])
    meetings.save_research(
        meeting,
        first.id,
        by=people["health"],
        no_information=True,
        about_victim=None,
        about_perpetrator=None,
        about_children=None,
    )
    health_agency = people["health"].agency_id
    sign_in(client, people["coordinator"])
    page = soup(client.get(f"/meetings/{meeting.id}"))
    health_row = by_agency(page)["Pack Health (test)"]
    assert health_row.select_one("[data-testid=agency-outstanding]").get_text(strip=True) == (
        f"1 of 2: {second.reference}"
    )
    assert health_row.select_one("[data-testid=last-chased]").get_text(strip=True) == "Not chased"

    def notices():
        return db.session.scalars(
            select(Notification.text).where(
                Notification.user_id == people["health"].id, Notification.kind == "research.chase"
            )
        ).all()

    url = f"/meetings/{meeting.id}/chase/{health_agency}"
    first_press = client.post(url, follow_redirects=True)
    assert "chased for research on 1 case" in soup(first_press).get_text()
    assert notices() == [
        "Research is still due from your agency on 1 case for the MARAC of 14 December 2026"
    ]

    clock.advance(minutes=10)
    second_press = client.post(url, follow_redirects=True)
    assert "already chased today at 09:00 UTC" in soup(second_press).get_text()
    assert len(notices()) == 1
    health_row = by_agency(soup(second_press))["Pack Health (test)"]
    assert health_row.select_one("[data-testid=last-chased]").get_text(strip=True) == (
        "2 November 2026, 09:00 UTC"
    )
    assert "Chased today" in health_row.get_text()

    clock.advance(days=1)
    sign_in(client, people["coordinator"])  # the session has long timed out
    client.post(url)
    assert len(notices()) == 2
    assert db.session.scalar(select(ResearchChase.id).limit(1)) is not None
    chases = events(db, "research.chase")
    assert [e.recipient for e in chases] == [str(health_agency)] * 2
    assert all("Due" not in (e.purpose or "") for e in chases)


def test_an_agency_with_nothing_outstanding_is_not_chased(client, db, make, clock):
    people, meeting, (case,) = released(db, make, cases=1)
    meetings.release_agenda(meeting, by=people["coordinator"])
    meetings.save_research(
        meeting,
        case.id,
        by=people["housing"],
        no_information=True,
        about_victim=None,
        about_perpetrator=None,
        about_children=None,
    )
    sign_in(client, people["coordinator"])
    done = client.post(
        f"/meetings/{meeting.id}/chase/{people['housing'].agency_id}", follow_redirects=True
    )
    assert "has sent research on every case" in soup(done).get_text()
    assert db.session.scalar(select(ResearchChase.id)) is None


def test_only_the_area_coordinator_chases(client, app, db, make, clock):
    people, meeting, _ = released(db, make)
    url = f"/meetings/{meeting.id}/chase/{people['health'].agency_id}"
    sign_in(client, people["coordinator"])
    assert client.post(url).status_code == 404  # not before the agenda is released
    meetings.release_agenda(meeting, by=people["coordinator"])
    for who in ("housing", "chair"):
        other = app.test_client()
        sign_in(other, people[who])
        assert other.post(url).status_code == 404
        page = soup(other.get(f"/meetings/{meeting.id}"))
        assert page.select_one("[data-testid=by-agency]") is None
    assert db.session.scalar(select(ResearchChase.id)) is None


def test_a_subject_access_export_holds_the_answers_marked_for_review(db, make, clock):
    from emarac.subjectaccess.services import build

    people, meeting, (case, _) = released(db, make)
    meetings.release_agenda(meeting, by=people["coordinator"])
    meetings.save_research(
        meeting,
        case.id,
        by=people["owner"],
        no_information=False,
        about_victim=None,
        about_perpetrator=None,
        about_children=None,
        answers={"police_convictions": "Assault, 2021 (synthetic)"},
    )
    (part,) = build(case.victim).data["cases"]
    (entry,) = part["research"]
    assert entry["fields"]["answers"] == {"police_convictions": "Assault, 2021 (synthetic)"}
    assert entry["redact"] is True
    assert "answers" in entry["redact_fields"]
