"""Page titles say what the page is, which case it is about, and which page of a list."""

from __future__ import annotations

from bs4 import BeautifulSoup

from emarac.templating import page_title
from tests.factories import Cases


def test_page_title_joins_its_parts():
    assert page_title("Record an incident", "MARAC-2026-000123") == (
        "Record an incident – MARAC-2026-000123 – eMARAC"
    )
    assert page_title("Cases", page=2, pages=14) == "Cases (page 2 of 14) – eMARAC"
    assert page_title("Cases", page=1, pages=1) == "Cases – eMARAC"
    assert (
        page_title("Risk checklist", None, error={"q": ["x"]}) == "Error: Risk checklist – eMARAC"
    )


def _title(client, url: str) -> str:
    return BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser").title.get_text()


def test_case_sub_pages_name_the_case(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    ref = case.reference
    assert _title(client, f"/cases/{case.id}/incidents/new") == (
        f"Record an incident – {ref} – eMARAC"
    )
    assert _title(client, f"/cases/{case.id}/risk/new") == f"Risk checklist – {ref} – eMARAC"
    assert _title(client, f"/cases/{case.id}/refer") == f"Refer to MARAC – {ref} – eMARAC"
    assert _title(client, f"/cases/{case.id}/perpetrators/new").endswith(f" – {ref} – eMARAC")
    assert _title(client, f"/cases/{case.id}/children/new").endswith(f" – {ref} – eMARAC")
    assert _title(client, f"/cases/{case.id}/timeline") == f"Timeline – {ref} – eMARAC"


def test_a_paged_list_says_which_page(client, login_as, db, make, clock):
    user = login_as("practitioner")
    factory = Cases(db, make)
    for n in range(26):
        factory.open(by=user, family_name=f"Pagewell-{n}")
    assert _title(client, "/cases/") == "Cases (page 1 of 2) – eMARAC"
    assert _title(client, "/cases/?page=2") == "Cases (page 2 of 2) – eMARAC"
