"""Areas are records: a system administrator adds them, agencies choose one from a list."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from emarac.agencies.models import Agency, Area
from emarac.auditing import all_events


def page(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def error_by(soup, field_id):
    message = soup.select_one(f"#{field_id}-error")
    return " ".join(message.get_text().split()) if message else None


def test_an_administrator_adds_an_area_and_it_is_audited(client, login_as, db):
    login_as("system_admin")
    response = client.post(
        "/admin/areas", data={"name": "  Northshire   MARAC ", "adult_female_population": "210,000"}
    )
    assert response.status_code == 302
    area = db.session.scalar(select(Area).where(Area.name == "Northshire MARAC"))
    assert area is not None
    assert area.adult_female_population == 210_000
    events = all_events()
    fields = db.session.scalars(
        select(events.c.fields).where(
            events.c.action == "area.create", events.c.object_id == str(area.id)
        )
    ).all()
    assert len(fields) == 1
    assert "Northshire" not in str(fields[0])  # field names, not values
    rows = page(client.get("/admin/areas")).select("[data-testid=areas] tbody tr")
    shown = {" ".join(r.th.get_text().split()): r for r in rows}
    assert "Northshire MARAC" in shown
    assert "210,000" in shown["Northshire MARAC"].get_text()


def test_a_second_area_of_the_same_name_is_refused_next_to_the_field(client, login_as, db):
    login_as("system_admin")  # its agency's area is Testshire MARAC
    before = db.session.scalar(select(func.count()).select_from(Area))
    soup = page(client.post("/admin/areas", data={"name": "testshire  marac"}))
    assert error_by(soup, "name") == "Error: An area with this name already exists"
    assert soup.select_one("#name")["value"] == "testshire  marac"  # what was typed is kept
    soup = page(
        client.post(
            "/admin/areas", data={"name": "Eastmere MARAC", "adult_female_population": "12"}
        )
    )
    assert error_by(soup, "adult_female_population").startswith("Error: Enter a whole number")
    assert soup.select_one("#name")["value"] == "Eastmere MARAC"
    assert db.session.scalar(select(func.count()).select_from(Area)) == before


def test_an_agency_chooses_its_area_from_the_list_and_cannot_make_one(client, login_as, db):
    admin = login_as("system_admin")
    soup = page(client.get("/admin/agencies"))
    offered = [o.get_text() for o in soup.select("#area option")]
    assert offered == ["Choose an area", "Testshire MARAC"]
    areas_before = db.session.scalar(select(func.count()).select_from(Area))

    for chosen in ("", "Typoshire MARAC", str(uuid.uuid4())):
        soup = page(
            client.post(
                "/admin/agencies",
                data={"name": "Fenwick Housing (test)", "kind": "housing", "area": chosen},
            )
        )
        assert error_by(soup, "area") == "Error: Choose the MARAC area", chosen
        assert soup.select_one("#name")["value"] == "Fenwick Housing (test)"

    assert db.session.scalar(select(func.count()).select_from(Area)) == areas_before
    assert db.session.scalar(select(Agency).where(Agency.name == "Fenwick Housing (test)")) is None
    response = client.post(
        "/admin/agencies",
        data={
            "name": "Fenwick Housing (test)",
            "kind": "housing",
            "area": str(admin.agency.area_id),
        },
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.name == "Fenwick Housing (test)"))
    assert agency.area_id == admin.agency.area_id


def test_only_a_system_administrator_sees_or_adds_areas(client, login_as, db):
    login_as("coordinator")
    assert client.get("/admin/areas").status_code == 404
    assert client.post("/admin/areas", data={"name": "Sneakshire MARAC"}).status_code == 404
    assert db.session.scalar(select(Area).where(Area.name == "Sneakshire MARAC")) is None
