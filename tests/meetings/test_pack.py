"""The research pack on the agenda: who sees it, what it holds, and what it costs to read."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import event, select

from emarac.auditing import all_events
from emarac.cases import closure
from emarac.cases import services as case_services
from emarac.extensions import db as _db
from emarac.meetings import services as meetings
from emarac.meetings.models import Meeting, MeetingInvite
from emarac.people.models import Gender
from emarac.people.services import PersonDetails, create_person
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent, Referral
from emarac.risk.rules import Criterion
from tests.conftest import sign_in
from tests.factories import Cases

AREA = "Packshire MARAC"
HELD_ON = date(2026, 12, 14)


def area(make):
    """A police owner, a housing and a health agency, and the area's coordinator and chair."""
    police = make.agency(name="Pack Police (test)", area=AREA)
    partnership = make.agency(name="Pack CSP (test)", kind="other", area=AREA)
    return {
        "owner": make.user(agency=police),
        "housing": make.user(
            agency=make.agency(name="Pack Housing (test)", kind="housing", area=AREA)
        ),
        "health": make.user(
            agency=make.agency(name="Pack Health (test)", kind="health", area=AREA)
        ),
        "coordinator": make.user(agency=partnership, roles=("coordinator",)),
        "chair": make.user(agency=partnership, roles=("chair",)),
    }


def on_agenda(
    db, make, people, meeting, *, family_name="Quillfeather-Demo", score=None, extra=True
):
    """A case of the police owner, with a perpetrator and a child, accepted onto ``meeting``."""
    owner = people["owner"]
    cases = Cases(db, make)
    case = cases.open(by=owner, family_name=family_name, given_name="Ottoline")
    if extra:
        cases.perpetrator(case, by=owner, family_name="Brackenbury-Demo")
        child = create_person(
            PersonDetails(
                given_name="Pip",
                family_name=family_name,
                date_of_birth=date(2019, 6, 1),
                gender=Gender.NOT_KNOWN,
            ),
            by=owner,
            role="child",
        )
        case_services.add_child(case, by=owner, person=child, school=None, lives_in_household=True)
    referral = referrals.refer_case(
        case,
        by=owner,
        data=referrals.ReferralInput(
            criteria=referrals.criteria_for(case) | {Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic risks",
            safety_measures="",
            judgement_reason="Synthetic judgement",
        ),
    )
    if score is not None:
        referral.yes_count = score  # as if a checklist had been completed
        db.session.commit()
    referrals.accept(referral, by=people["coordinator"], meeting=meeting)
    return case


def events(db, action):
    """The ledger's events of one action (chained or still pending)."""
    found = all_events()
    return db.session.execute(select(found).where(found.c.action == action)).all()


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def row_of(page, reference):
    for row in page.select("[data-testid=agenda-row]"):
        if reference in row.select_one("[data-testid=agenda-case]").get_text():
            return row
    raise AssertionError(f"{reference} is not on the agenda")


def text(row, testid):
    found = row.select_one(f"[data-testid={testid}]")
    return None if found is None else found.get_text(" ", strip=True)


def test_the_pack_shows_who_the_case_is_about_to_those_who_may_see_it(client, app, db, make, clock):
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    case = on_agenda(db, make, people, meeting, score=16)
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
    row = row_of(page_of(client, f"/meetings/{meeting.id}"), case.reference)
    assert text(row, "pack-victim") == "Ottoline Quillfeather-Demo, 36"  # born 12 April 1990
    assert text(row, "pack-perpetrators") == "Rufus Brackenbury-Demo"
    assert text(row, "pack-children") == "1, aged 7"
    assert text(row, "pack-referrer") == "Pack Police (test)"
    assert "Professional judgement" in text(row, "pack-criteria")
    assert (text(row, "pack-score"), text(row, "pack-band")) == ("16", "High")
    assert text(row, "pack-idva") == "None allocated"
    assert text(row, "pack-responded") == "Pack Housing (test)"
    outstanding = text(row, "pack-outstanding")
    assert "Pack Health (test)" in outstanding
    assert "Pack Police (test)" in outstanding
    assert "Pack Housing (test)" not in outstanding

    # An invited agency reads the same pack once the agenda is released.
    health = app.test_client()
    sign_in(health, people["health"])
    row = row_of(page_of(health, f"/meetings/{meeting.id}"), case.reference)
    assert text(row, "pack-victim").startswith("Ottoline")
    assert text(row, "research-link") == f"Add research for {case.reference}"

    # Printed, with the watermark naming who printed it.
    printed = page_of(client, f"/meetings/{meeting.id}/agenda/print")
    assert printed.select_one("[data-testid=watermark]") is not None
    assert text(row_of(printed, case.reference), "pack-victim").startswith("Ottoline")

    # The ledger names the meeting and the case ids, never a value.
    viewed = events(db, "meeting.pack_view")
    assert viewed
    assert all(str(case.id) in e.purpose for e in viewed)
    assert not any("Ottoline" in (e.purpose or "") for e in viewed)


def test_a_case_the_reader_may_not_see_shows_its_reference_only(client, app, db, make, clock):
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    shown = on_agenda(db, make, people, meeting, family_name="Shown-Demo", extra=False)
    hidden = on_agenda(db, make, people, meeting, family_name="Withheld-Demo", extra=False)
    closure.add_exclusion(
        hidden,
        by=people["coordinator"],
        choice=f"agency:{people['housing'].agency_id}",
        reason="Synthetic: a relative works there",
    )
    meetings.release_agenda(meeting, by=people["coordinator"])

    sign_in(client, people["housing"])
    page = page_of(client, f"/meetings/{meeting.id}")
    assert text(row_of(page, shown.reference), "pack-victim").startswith("Ottoline Shown-Demo")
    withheld = row_of(page, hidden.reference)
    assert text(withheld, "reference-only") == hidden.reference
    assert withheld.select_one("[data-testid=pack]") is None
    assert text(withheld, "research-link") == ""  # nothing to research either
    assert "Withheld-Demo" not in page.get_text()

    # Housing cannot research a case it must not receive: it owes nothing on it.
    coordinator = app.test_client()
    sign_in(coordinator, people["coordinator"])
    page = page_of(coordinator, f"/meetings/{meeting.id}")
    assert "Pack Housing (test)" not in text(row_of(page, hidden.reference), "pack-outstanding")
    assert "Pack Housing (test)" in text(row_of(page, shown.reference), "pack-outstanding")
    housing = next(
        r for r in page.select("[data-testid=agency-row]") if "Pack Housing" in r.th.get_text()
    )
    assert text(housing, "agency-outstanding") == f"1 of 2: {shown.reference}"


def test_a_closed_case_on_an_old_agenda_shows_the_chair_its_reference_only(client, db, make, clock):
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    case = on_agenda(db, make, people, meeting, extra=False)
    meetings.release_agenda(meeting, by=people["coordinator"])
    case.status = "closed"
    db.session.commit()
    sign_in(client, people["chair"])
    row = row_of(page_of(client, f"/meetings/{meeting.id}"), case.reference)
    assert row.select_one("[data-testid=pack]") is None
    assert text(row, "pack-score") is None


def test_the_row_says_research_added_once_the_agency_has_sent_it(client, db, make, clock):
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    case = on_agenda(db, make, people, meeting, extra=False)
    meetings.release_agenda(meeting, by=people["coordinator"])
    sign_in(client, people["housing"])
    url = f"/meetings/{meeting.id}/cases/{case.id}/research"
    assert (
        client.post(url, data={"q_housing_tenancy": "Joint tenancy (synthetic)"}).status_code == 302
    )
    row = row_of(page_of(client, f"/meetings/{meeting.id}"), case.reference)
    assert text(row, "research-link") == f"Research added Change research for {case.reference}"


def test_repeats_show_their_earlier_hearings_and_come_first(client, db, make, clock):
    people = area(make)
    earlier = meetings.create_meeting(by=people["coordinator"], held_on=date(2026, 11, 16))
    case = on_agenda(db, make, people, earlier, extra=False)
    meetings.release_agenda(earlier, by=people["coordinator"])
    item = earlier.items[0]
    item.heard_at = clock.now
    db.session.commit()
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    plain = on_agenda(db, make, people, meeting, family_name="Plain-Demo", extra=False, score=20)
    clock.advance(days=3)
    Cases(db, make).incident(case, by=people["owner"], days_ago=-3)  # further abuse: a repeat
    repeat = referrals.refer_case(
        case,
        by=people["owner"],
        data=referrals.ReferralInput(
            criteria=referrals.criteria_for(case) | {Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="j",
        ),
    )
    assert repeat.is_repeat
    referrals.accept(repeat, by=people["coordinator"], meeting=meeting)
    meetings.build_agenda(meeting)
    db.session.commit()

    sign_in(client, people["coordinator"])
    page = page_of(client, f"/meetings/{meeting.id}")
    rows = page.select("[data-testid=agenda-row]")
    assert case.reference in rows[0].get_text()
    assert plain.reference in rows[1].get_text()
    assert "Repeat" in text(rows[0], "agenda-notes")
    assert text(rows[0], "pack-previous") == "16 November 2026"
    assert text(rows[1], "pack-score") == "20"


# --- bounded queries -------------------------------------------------------------


@contextmanager
def statements():
    """Count the SQL statements sent while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_agenda_reads_in_the_same_number_of_statements_for_5_or_20_cases(
    client, db, make, clock
):
    people = area(make)
    small = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    large = meetings.create_meeting(by=people["coordinator"], held_on=date(2026, 12, 15))
    for n in range(5):
        on_agenda(db, make, people, small, family_name=f"Small{n}-Demo")
    for n in range(20):
        on_agenda(db, make, people, large, family_name=f"Large{n}-Demo")
    for meeting in (small, large):
        meetings.release_agenda(meeting, by=people["coordinator"])
        for item in meeting.items[:3]:
            meetings.save_research(
                meeting,
                item.case_id,
                by=people["housing"],
                no_information=False,
                about_victim="Synthetic tenancy note",
                about_perpetrator=None,
                about_children=None,
                answers={"housing_reports": "yes"},
            )
    assert db.session.scalar(select(Referral.id).limit(1)) is not None

    sign_in(client, people["coordinator"])
    counts = {}
    sizes = {small.id: len(small.items), large.id: len(large.items)}
    assert sizes == {small.id: 5, large.id: 20}
    for name, meeting_id in (("small", small.id), ("large", large.id)):
        for url in (f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/agenda/print"):
            client.get(url)  # warm: the first request loads what every request shares
            _db.session.remove()
            with statements() as seen:
                page = page_of(client, url)
            assert len(page.select("[data-testid=pack]")) == sizes[meeting_id]
            counts[name, url.rsplit("/", 1)[-1] == "print"] = len(seen)
    assert counts["large", False] <= counts["small", False] + 1, counts
    assert counts["large", True] <= counts["small", True] + 1, counts


def test_the_agenda_reads_in_the_same_number_of_statements_for_3_or_9_invited_agencies(
    client, db, make, clock
):
    """The page names every invited agency: they load with the invitations, not one by one."""
    people = area(make)
    meeting = meetings.create_meeting(by=people["coordinator"], held_on=HELD_ON)
    for n in range(3):
        on_agenda(db, make, people, meeting, family_name=f"Invited{n}-Demo")
    meetings.release_agenda(meeting, by=people["coordinator"])
    meeting_id = meeting.id
    sign_in(client, people["coordinator"])
    url = f"/meetings/{meeting_id}"

    def statements_for_page() -> tuple[int, list[str]]:
        client.get(url)  # warm: the first request loads what every request shares
        _db.session.remove()
        with statements() as seen:
            page = page_of(client, url)
        return len(seen), [li.get_text(strip=True) for li in page.select("li")]

    fewer, _ = statements_for_page()
    invited = len(_db.session.get(Meeting, meeting_id).invites)
    for n in range(6):
        agency = make.agency(name=f"Pack Extra {n} (test)", kind="housing", area=AREA)
        _db.session.add(MeetingInvite(meeting_id=meeting_id, agency_id=agency.id))
    _db.session.commit()
    more, items = statements_for_page()
    assert len(_db.session.get(Meeting, meeting_id).invites) == invited + 6
    assert "Pack Extra 5 (test)" in items
    assert more <= fewer + 1, (fewer, more)
