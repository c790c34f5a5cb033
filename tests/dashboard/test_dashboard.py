"""The managers' dashboard: who sees it, periods, suppression, exports, audit, no personal data."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.incidents.models import Incident
from emarac.indicators import report
from emarac.indicators.periods import parse_period
from emarac.meetings.models import Research
from emarac.people.models import Person
from emarac.synth import generate
from tests.conftest import DEFAULT_PASSWORD, assert_ledger_verifies, sign_in, totp_now


@pytest.fixture
def partnership(db, clock):
    """A small synthetic partnership: a few hundred hearings over three years."""
    summary = generate(db.engine, cases=150, incidents=900, seed=11)
    db.session.expire_all()
    return summary


def test_managers_and_coordinators_see_it_practitioners_do_not(client, app, make, db, clock):
    manager = make.user(roles=("manager",))
    sign_in(client, manager)
    page = client.get("/indicators/")
    assert page.status_code == 200
    assert "Repeat victimisation and MARAC activity" in page.get_data(as_text=True)
    assert "Indicators" in client.get("/").get_data(as_text=True)

    for roles in (("practitioner",), ("idva",), ("chair",), ("system_admin",)):
        other = app.test_client()
        sign_in(other, make.user(roles=roles))
        assert other.get("/indicators/").status_code == 404, roles
        assert other.get("/indicators/export/return.csv?period=2026-Q3").status_code == 404
        assert "/indicators/" not in other.get("/").get_data(as_text=True)


def test_small_counts_show_as_under_five(client, make, db, clock, partnership):
    sign_in(client, make.user(roles=("manager",)))
    # One month holds only a handful of hearings: its figures are suppressed.
    months = [choice for choice, _ in report_choices(clock)]
    pages = [client.get(f"/indicators/?period={code}").get_data(as_text=True) for code in months]
    assert any("&lt;5" in page for page in pages)
    assert all(not re.search(r">\s*[0-4]\s*<", page.split("Trends over")[-1]) for page in pages)


def report_choices(clock):
    from emarac.indicators.views import period_choices

    return [c for c in period_choices(clock.now.date()) if c[0][4:5] == "-" and "Q" not in c[0]]


def test_changing_the_period_and_a_bad_range_keeps_the_input(client, make, db, clock, partnership):
    sign_in(client, make.user(roles=("manager",)))
    page = client.get("/indicators/?period=2026-Q1").get_data(as_text=True)
    assert "January to March 2026" in page
    assert 'data-testid="quarterly-return"' in page
    bad = client.get("/indicators/?period=custom&start=1&start=6&start=2026&end=1&end=5&end=2026")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Enter a last day on or after the first day" in text
    assert 'value="2026"' in text
    assert 'value="6"' in text
    good = client.get(
        "/indicators/?period=custom&start=1&start=1&start=2025&end=30&end=6&end=2026"
    ).get_data(as_text=True)
    assert "1 January 2025 to 30 June 2026" in good


def test_csv_exports_need_a_fresh_sign_in_and_are_audited(
    app, client, make, db, clock, partnership
):
    manager = make.user(roles=("manager",))
    sign_in(client, manager)
    clock.advance(minutes=10)
    stale = client.get("/indicators/export/return.csv?period=FY2025")
    assert stale.status_code == 302
    assert "reauthenticate" in stale.headers["Location"]
    again = client.post(
        stale.headers["Location"], data={"password": DEFAULT_PASSWORD, "code": totp_now(manager)}
    )
    assert again.headers["Location"] == "/indicators/export/return.csv?period=FY2025"
    response = client.get("/indicators/export/return.csv?period=FY2025")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.splitlines()[0] == "Quarterly return"
    assert body.splitlines()[1].startswith(
        "Field,2025-26 Q1,2025-26 Q2,2025-26 Q3,2025-26 Q4,Total"
    )
    trends = client.get("/indicators/export/trends.csv?period=FY2025").get_data(as_text=True)
    assert "Repeat rate" in trends
    assert "Process measures" in trends
    assert "Referrals by referring agency" in trends
    recorded = db.session.scalars(
        select(ledger_table.c.action).where(ledger_table.c.user_id == str(manager.id))
    ).all()
    assert recorded.count("indicators.export") == 2
    assert_ledger_verifies(app, db)


@pytest.mark.slow
def test_nothing_a_manager_can_open_holds_personal_data(client, make, db, clock, partnership):
    """Every page and export a manager reaches, scanned for the generated people."""
    people = db.session.scalars(select(Person)).all()
    secrets = set()
    for person in people:
        for value in (person.given_name, person.family_name, person.current_address):
            if value and len(value) > 3:
                secrets.add(value)
        if person.date_of_birth:
            secrets.add(person.date_of_birth.isoformat())
            secrets.add(f"{person.date_of_birth:%-d %B %Y}")
    for incident in db.session.scalars(select(Incident)).all():
        if incident.narrative:
            secrets.add(incident.narrative)
    for research in db.session.scalars(select(Research)).all():
        secrets.update(t for t in (research.about_victim, research.about_perpetrator) if t)
    assert len(secrets) > 300

    manager = make.user(roles=("manager",))
    sign_in(client, manager)
    urls = ["/", "/notifications/"]
    from emarac.indicators.views import period_choices

    for code, _ in period_choices(clock.now.date())[:-1]:
        urls += [f"/indicators/?period={code}", f"/indicators/return/print?period={code}"]
    urls += [
        "/indicators/export/return.csv?period=FY2025",
        "/indicators/export/trends.csv?period=FY2025",
        "/indicators/export/return.csv?period=2024-01-01/2026-10-31",
    ]
    outputs = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        outputs.append((url, response.get_data(as_text=True)))
    for url, text in outputs:
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{url} shows personal data"
    # and the manager cannot reach the records themselves
    assert client.get("/cases/").status_code in (403, 404) or "Synth" not in client.get(
        "/cases/"
    ).get_data(as_text=True)


def test_an_administrator_sets_the_area_population_the_volume_uses(
    client, make, db, clock, partnership
):
    from emarac.agencies.models import Area

    area = db.session.scalars(select(Area)).first()
    sign_in(client, make.user(roles=("system_admin",)))
    bad = client.post(f"/admin/areas/{area.id}", data={"adult_female_population": "lots"})
    assert "Enter a whole number between 1,000 and 20,000,000" in bad.get_data(as_text=True)
    assert 'value="lots"' in bad.get_data(as_text=True)
    client.post(f"/admin/areas/{area.id}", data={"adult_female_population": "210,000"})
    db.session.expire_all()
    assert area.adult_female_population == 210_000

    manager = client.application.test_client()
    sign_in(manager, make.user(roles=("manager",)))
    page = manager.get(f"/indicators/?period=FY2025&area={area.id}").get_data(as_text=True)
    assert "Population not set" not in page
    volume = report.build(
        db.session(),
        parse_period("FY2025"),
        area_id=area.id,
        referring_agency_id=None,
        population=210_000,
    ).headlines[2]
    assert volume.value in page
    assert volume.value.replace(".", "").isdigit()


def test_a_table_with_no_rows_says_so_and_every_table_scrolls_in_a_named_region(
    client, make, clock
):
    sign_in(client, make.user(roles=("manager",)))
    soup = BeautifulSoup(client.get("/indicators/").get_data(as_text=True), "html.parser")
    referrers = soup.select_one("[data-testid=referrers]")
    assert referrers.caption.get_text(strip=True) == "Referrals by referring agency"
    assert referrers.select_one("[data-testid=referrers-none]").get_text() == (
        "None in this period."
    )
    for table in soup.select("table"):
        region = table.find_parent(attrs={"role": "region"})
        assert region is not None
        assert region["tabindex"] == "0"
        assert region["aria-label"] == table.caption.get_text(strip=True)


def test_a_period_before_the_first_referral_says_its_records_are_incomplete(
    client, make, db, clock, partnership
):
    from emarac.indicators import queries

    sign_in(client, make.user(roles=("manager",)))
    begins = queries.records_begin(db.session(), None)
    before = parse_period(f"{begins.year - 1}-Q{(begins.month - 1) // 3 + 1}")
    early = BeautifulSoup(client.get(f"/indicators/?period={before.code}").data, "html.parser")
    assert early.find(attrs={"data-testid": "records-incomplete"}) is not None
    late = BeautifulSoup(client.get("/indicators/?period=2026-Q3").data, "html.parser")
    assert late.find(attrs={"data-testid": "records-incomplete"}) is None
    notes = [n.get_text(strip=True) for n in late.select("[data-testid=headline-note]")]
    assert notes == ["Well-run MARACs expect 28 to 40%"]
    trend = late.find(attrs={"data-testid": "repeat-trend"})
    records = [row.find_all("td")[-1].get_text(strip=True) for row in trend.tbody.find_all("tr")]
    assert records[-1] == "Complete"
    returned = late.find(attrs={"data-testid": "quarterly-return"})
    labels = [row.th.get_text(strip=True) for row in returned.tbody.find_all("tr")]
    assert "Referral source: Specialist domestic abuse services" in labels
    assert "Cases with children in the household" in labels
    assert "Duplicate referrals" in labels
